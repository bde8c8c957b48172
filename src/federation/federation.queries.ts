/**
 * Every hand-written statement of the federation module (federation_received_jti, federation_partners,
 * federation_applied_events, the key columns of federation_inbound_referrals). The rest of
 * the module goes through TypeORM.
 */
import { columnsOf, statement, tableOf } from '../database/sql';
import { FederationAppliedEventEntity } from './federation-applied-event.entity';
import { FederationInboundReferralEntity } from './federation-inbound-referral.entity';
import { FederationPartnerEntity, type PartnerStatus } from './federation-partner.entity';
import { FederationReceivedJtiEntity } from './federation-received-jti.entity';
import { organisationPartnerSql } from './partner-sql';

/** Parameters: partner id, packet id, packet type, expiry. Answers the row when it was new. */
export const insertReceivedJti = statement<{ jti: string }, [string, string, string, Date]>('federation.insertReceivedJti', (ds) => {
  const [partnerId, jti, typ, expiresAt] = columnsOf(ds, FederationReceivedJtiEntity, ['partnerId', 'jti', 'typ', 'expiresAt']);
  return `INSERT INTO ${tableOf(ds, FederationReceivedJtiEntity)} (${partnerId}, ${jti}, ${typ}, ${expiresAt}) VALUES ($1, $2, $3, $4)
          ON CONFLICT (${partnerId}, ${jti}) DO NOTHING RETURNING ${jti} AS jti`;
});

/** Parameters: now, how many at most. */
export const deleteExpiredJti = statement<never, [Date, number]>('federation.deleteExpiredJti', (ds) => {
  const table = tableOf(ds, FederationReceivedJtiEntity);
  const [expiresAt] = columnsOf(ds, FederationReceivedJtiEntity, ['expiresAt']);
  return `DELETE FROM ${table} WHERE ctid IN (SELECT ctid FROM ${table} WHERE ${expiresAt} < $1 LIMIT $2)`;
});

/**
 * Claims the partner's key refresh: stamps keys_refreshed_at when the last refresh is older than $2 seconds (or there
 * was none) and answers the row; answers nothing otherwise. One statement, so two replicas never both fetch.
 */
export const claimKeyRefresh = statement<{ id: string }, [string, number]>('federation.claimKeyRefresh', (ds) => {
  const [id, refreshedAt] = columnsOf(ds, FederationPartnerEntity, ['id', 'keysRefreshedAt']);
  return `UPDATE ${tableOf(ds, FederationPartnerEntity)} SET ${refreshedAt} = now()
           WHERE ${id} = $1 AND (${refreshedAt} IS NULL OR ${refreshedAt} < now() - make_interval(secs => $2))
          RETURNING ${id} AS id`;
});

/** Records a partner event applied here; answers the row when it was new (see FederationAppliedEventEntity). */
export const insertAppliedEvent = statement<{ jti: string }, [string, string, string]>('federation.insertAppliedEvent', (ds) => {
  const [partnerId, jti, referralId] = columnsOf(ds, FederationAppliedEventEntity, ['partnerId', 'jti', 'referralId']);
  return `INSERT INTO ${tableOf(ds, FederationAppliedEventEntity)} (${partnerId}, ${jti}, ${referralId}) VALUES ($1, $2, $3)
          ON CONFLICT (${partnerId}, ${jti}) DO NOTHING RETURNING ${jti} AS jti`;
});

/** Inbound packets (by id, after $2) whose data key is wrapped under another master key than $1, locked, at most $3. */
export const inboundKeysToRewrap = statement<{ id: string; master_key_id: string; wrapped_key: Buffer }, [string, string, number]>(
  'federation.inboundKeysToRewrap',
  (ds) => {
    const [id, masterKeyId, wrappedKey] = columnsOf(ds, FederationInboundReferralEntity, ['id', 'masterKeyId', 'wrappedKey']);
    return `SELECT ${id} AS id, ${masterKeyId} AS master_key_id, ${wrappedKey} AS wrapped_key FROM ${tableOf(ds, FederationInboundReferralEntity)}
             WHERE ${wrappedKey} IS NOT NULL AND ${masterKeyId} <> $1 AND ${id} > $2
             ORDER BY ${id} LIMIT $3 FOR UPDATE SKIP LOCKED`;
  },
);

/** Parameters: row id, master key id, wrapped key. */
export const rewrapInboundKey = statement<never, [string, string, Buffer]>('federation.rewrapInboundKey', (ds) => {
  const [id, masterKeyId, wrappedKey] = columnsOf(ds, FederationInboundReferralEntity, ['id', 'masterKeyId', 'wrappedKey']);
  return `UPDATE ${tableOf(ds, FederationInboundReferralEntity)} SET ${masterKeyId} = $2, ${wrappedKey} = $3 WHERE ${id} = $1`;
});

/** How many readable inbound packets are wrapped under another master key than $1. */
export const inboundKeysNotRewrapped = statement<{ remaining: number }, [string]>('federation.inboundKeysNotRewrapped', (ds) => {
  const [masterKeyId, wrappedKey] = columnsOf(ds, FederationInboundReferralEntity, ['masterKeyId', 'wrappedKey']);
  return `SELECT count(*)::int AS remaining FROM ${tableOf(ds, FederationInboundReferralEntity)}
           WHERE ${wrappedKey} IS NOT NULL AND ${masterKeyId} <> $1`;
});

export interface OrganisationPartnerRow {
  id: string;
  country: string;
  node: 'local' | 'remote';
  partner_status: PartnerStatus | null;
  partner_hours: number | null;
}

/**
 * An organisation (the organisations module's fragment) and, for a remote one, its partner deployment's status and
 * acceptance deadline, in one read.
 */
export const organisationWithPartner = statement<OrganisationPartnerRow, [string]>(
  'federation.organisationWithPartner',
  (ds) => `SELECT x.id, x.country, x.node, x.partner_status, x.partner_hours FROM ${organisationPartnerSql(ds)} x WHERE x.id = $1`,
);
