/**
 * An organisation with its partner deployment's facts, in SQL, for a statement of a higher module that reads it in the
 * same round trip as its own table (the referral locked with its receiver, on every delivery): the federation module's
 * API for the partner registry in SQL, so that no other module spells federation_partners.
 */
import { DataSource } from 'typeorm';
import { columnsOf, tableOf } from '../database/sql';
import { organisationDirectorySql } from '../organisations/organisation-sql';
import { FederationPartnerEntity } from './federation-partner.entity';

/**
 * `(SELECT id, country, node, partner_status, partner_hours FROM organisations LEFT JOIN federation_partners …)`: a
 * derived table to alias and join on `id` (PostgreSQL folds it into the outer query, so it plans like the join itself).
 */
export function organisationPartnerSql(ds: DataSource): string {
  const [id, status, hours] = columnsOf(ds, FederationPartnerEntity, ['id', 'status', 'acceptanceDeadlineHours']);
  return `(SELECT o.id, o.country, o.node, p.${status} AS partner_status, p.${hours} AS partner_hours
             FROM ${organisationDirectorySql(ds)} o LEFT JOIN ${tableOf(ds, FederationPartnerEntity)} p ON p.${id} = o.partner_id)`;
}
