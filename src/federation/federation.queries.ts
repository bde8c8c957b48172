/**
 * Every hand-written statement of the federation module (the replay table federation_received_jti), as named, typed
 * functions. Everything else goes through TypeORM.
 */
import { EntityManager } from 'typeorm';
import { plainQuery } from '../database/plain-sql';
import { CLOCK_SKEW_SECONDS, PacketClaims } from './packet';

/**
 * Remembers a packet id in the caller's transaction, until the packet would be refused as expired anyway; false when
 * it was there already (a replay, or the same packet again).
 */
export async function insertReceivedJti(
  em: EntityManager,
  partnerId: string,
  claims: Pick<PacketClaims, 'jti' | 'typ' | 'exp'>,
): Promise<boolean> {
  const expiresAt = new Date((claims.exp + CLOCK_SKEW_SECONDS) * 1000);
  const inserted = await plainQuery(
    em,
    `INSERT INTO federation_received_jti (partner_id, jti, typ, expires_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (partner_id, jti) DO NOTHING RETURNING jti`,
    [partnerId, claims.jti, claims.typ, expiresAt],
  );
  return inserted.rowCount > 0;
}

/** Deletes up to `limit` packet ids that expired before `now`; answers how many. */
export async function deleteExpiredJti(em: EntityManager, now: Date, limit: number): Promise<number> {
  const deleted = await plainQuery(
    em,
    `DELETE FROM federation_received_jti WHERE ctid IN (SELECT ctid FROM federation_received_jti WHERE expires_at < $1 LIMIT $2)`,
    [now, limit],
  );
  return deleted.rowCount;
}
