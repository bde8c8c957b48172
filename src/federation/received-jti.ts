/** The replay table federation_received_jti: packet ids remembered until the packet would be refused as expired anyway. */
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { deleteExpiredJti, insertReceivedJti } from './federation.queries';
import { CLOCK_SKEW_SECONDS, PacketClaims } from './packet';

/** Remembers a packet id in the caller's transaction; false when it was there already (a replay, or the same packet again). */
export async function rememberPacketId(
  em: EntityManager,
  partnerId: string,
  claims: Pick<PacketClaims, 'jti' | 'typ' | 'exp'>,
): Promise<boolean> {
  const expiresAt = new Date((claims.exp + CLOCK_SKEW_SECONDS) * 1000);
  const inserted = await runSql(em, insertReceivedJti, [partnerId, claims.jti, claims.typ, expiresAt]);
  return inserted.rowCount > 0;
}

/** Deletes up to `limit` packet ids that expired before `now`; answers how many. */
export async function forgetExpiredPacketIds(em: EntityManager, now: Date, limit: number): Promise<number> {
  return (await runSql(em, deleteExpiredJti, [now, limit])).rowCount;
}
