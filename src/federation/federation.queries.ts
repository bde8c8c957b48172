/**
 * Every hand-written statement of the federation module (federation_received_jti, federation_partners). The rest of
 * the module goes through TypeORM.
 */
import { columnsOf, statement, tableOf } from '../database/sql';
import type { PartnerStatus } from './federation-partner.entity';
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
