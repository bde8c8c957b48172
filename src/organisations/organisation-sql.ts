/**
 * The organisation directory in SQL, for a statement of a higher module that must read an organisation in the same
 * round trip as its own table (federation's partner facts, the auth module's actor look-up): the organisations module's API for its table in SQL, so
 * that no other module spells the table or its columns.
 */
import { DataSource } from 'typeorm';
import { columnsOf, tableOf } from '../database/sql';
import { OrganisationEntity } from './organisation.entity';

/** `(SELECT id, country, type, node, partner_id FROM organisations)`: a derived table to alias and join. */
export function organisationDirectorySql(ds: DataSource): string {
  const [id, country, type, node, partnerId] = columnsOf(ds, OrganisationEntity, ['id', 'country', 'type', 'node', 'partnerId']);
  return `(SELECT ${id} AS id, ${country} AS country, ${type} AS type, ${node} AS node, ${partnerId} AS partner_id
             FROM ${tableOf(ds, OrganisationEntity)})`;
}
