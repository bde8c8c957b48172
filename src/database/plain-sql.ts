/**
 * Plain SQL for the few statements that run several times in every request or job (audit events, alerts, outbox rows,
 * consent reads, referral moves and deliveries), where the ORM's statement building and result mapping cost more than
 * the statement, and PostgreSQL's parsing and planning cost more than running it.
 *
 * plainQuery runs a statement as a named prepared statement on the EntityManager's connection (the transaction's, or a
 * pooled one): each connection parses and plans it once. Turn that off with DATABASE_PREPARED_STATEMENTS=false behind a
 * connection pooler that cannot keep named statements (PgBouncer before 1.21 in transaction mode). Errors are TypeORM's
 * QueryFailedError, like em.query's, so the error filter logs only the SQLSTATE and constraint, never a value.
 */
import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { EntityManager, EntityMetadata, QueryFailedError } from 'typeorm';

let prepared = true;

/** Set once at boot from DATABASE_PREPARED_STATEMENTS. */
export function usePreparedStatements(on: boolean): void {
  prepared = on;
}

const names = new Map<string, string>();
function statementName(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `lintas_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return name;
}

/**
 * One statement on `em`'s connection. `text` must be the same for every call that means the same statement: values go
 * in `values`, never into the text (a text built from a fixed set of column names or a row count is fine).
 */
export async function plainQuery<T = Record<string, unknown>>(em: EntityManager, text: string, values: unknown[] = []): Promise<{ rows: T[]; rowCount: number }> {
  const config: QueryConfig = prepared ? { name: statementName(text), text, values } : { text, values };
  try {
    const runner = em.queryRunner;
    const target: Pick<PoolClient, 'query'> = runner ? ((await runner.connect()) as PoolClient) : (em.connection.driver as unknown as { master: Pool }).master;
    const result = await target.query(config);
    return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
  } catch (err) {
    throw new QueryFailedError(text, values, err as Error);
  }
}

const selectLists = new WeakMap<EntityMetadata, Map<string, string>>();

/**
 * `alias."column" AS "property", …` for every column of an entity, so that a plain query's rows already have the
 * entity's shape (toEntity). Arrays of enum values are cast to text[]: pg parses those, not arrays of a custom type.
 */
export function entityColumns(meta: EntityMetadata, alias: string): string {
  let byAlias = selectLists.get(meta);
  if (!byAlias) selectLists.set(meta, (byAlias = new Map()));
  let list = byAlias.get(alias);
  if (!list) {
    // A column with a value transformer would come back untransformed: such an entity is not for plain queries.
    const transformed = meta.columns.find((c) => c.transformer);
    if (transformed) throw new Error(`${meta.name}.${transformed.propertyName} has a transformer; read it through the ORM`);
    list = meta.columns.map((c) => `${alias}."${c.databaseName}"${c.isArray && c.type === 'enum' ? '::text[]' : ''} AS "${c.propertyName}"`).join(', ');
    byAlias.set(alias, list);
  }
  return list;
}

/** An entity instance from a row selected with entityColumns (other fields of the row are left out). */
export function toEntity<T extends object>(meta: EntityMetadata, row: Record<string, unknown>): T {
  const entity = meta.create() as T;
  for (const c of meta.columns) (entity as Record<string, unknown>)[c.propertyName] = row[c.propertyName];
  return entity;
}
