import { FindOptionsWhere } from 'typeorm';
import { Actor } from './actor';

/**
 * The organisation scope every record query goes through. A platform admin manages the whole deployment; everyone
 * else sees only their own organisation's records (whatever organisation a filter names), and a record outside that
 * scope is "not found", never "forbidden", so nobody can probe which ids exist.
 */
export function scopedToOrganisation<T>(actor: Actor, column: keyof T & string, where: FindOptionsWhere<T> = {}): FindOptionsWhere<T> {
  if (actor.role === 'platform_admin') return where;
  return { ...where, [column]: actor.organisationId };
}
