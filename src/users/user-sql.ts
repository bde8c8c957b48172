/**
 * The users table in SQL, for a statement of a higher module that must read a user in the same round trip as its own
 * table (the auth module's actor look-up on every request): the users module's API for its table in SQL.
 */
import { DataSource } from 'typeorm';
import { columnsOf, tableOf } from '../database/sql';
import { UserEntity } from './user.entity';

/** `(SELECT id, organisation_id, role FROM users WHERE not disabled)`: the users who may act, as a derived table. */
export function activeUsersSql(ds: DataSource): string {
  const [id, organisationId, role, disabledAt] = columnsOf(ds, UserEntity, ['id', 'organisationId', 'role', 'disabledAt']);
  return `(SELECT ${id} AS id, ${organisationId} AS organisation_id, ${role} AS role FROM ${tableOf(ds, UserEntity)} WHERE ${disabledAt} IS NULL)`;
}
