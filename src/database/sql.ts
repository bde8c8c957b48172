/**
 * The one way Lintas runs SQL written by hand.
 *
 * A module declares each statement once, in its `<module>.queries.ts` beside its entities, with `statement()`: the text
 * is built on first use from the DataSource (so column lists come from the entity metadata, never typed out twice) and
 * kept per DataSource. `runSql` runs it as a named prepared statement on the EntityManager's connection (the
 * transaction's, or a pooled one): each connection parses and plans it once, which is what keeps the statements that
 * run several times in every request or job cheap. Turn that off with DATABASE_PREPARED_STATEMENTS=false behind a
 * connection pooler that cannot keep named statements (PgBouncer before 1.21 in transaction mode).
 *
 * Every declared statement is in `declaredStatements()`: test/sql-names.e2e-spec.ts PREPAREs each one on the migrated
 * test database, so a table or column renamed in an entity (and its migration) fails `npm test`, not production.
 *
 * Errors are TypeORM's QueryFailedError, like em.query's, so the error filter logs only the SQLSTATE and constraint,
 * never a value. Only public TypeORM and pg API is used here.
 */
import { createHash } from 'node:crypto';
import type { PoolClient, QueryConfig } from 'pg';
import { DataSource, EntityManager, EntityMetadata, EntityTarget, ObjectLiteral, QueryFailedError } from 'typeorm';

let prepared = true;

/** Set once at boot from DATABASE_PREPARED_STATEMENTS. */
export function usePreparedStatements(on: boolean): void {
  prepared = on;
}

/** A statement's text and the name it is prepared under (a hash of the text: same text, same name). */
export interface BuiltSql {
  readonly name: string;
  readonly text: string;
}

/**
 * A hand-written statement with rows of type R and parameters P, declared once at module load. Values always go in the
 * parameters, never into the text.
 */
export interface Statement<R = Record<string, unknown>, P extends readonly unknown[] = unknown[]> {
  /** Module and purpose, e.g. "audit.insertEvents": shown when the name check fails. */
  readonly id: string;
  /** The text for this DataSource (its metadata names the columns), built once. */
  sql(dataSource: DataSource): BuiltSql;
  /** Rows as arrays of the text PostgreSQL sent, nothing parsed (the audit chain hashes exactly that). */
  readonly rawText?: boolean;
  /** Phantom fields that carry the row and parameter types. */
  readonly __types?: { row: R; params: P };
}

/** Every value as the text PostgreSQL sent. */
const RAW_TEXT = { getTypeParser: () => (value: string) => value };

const declared: Statement<unknown, readonly unknown[]>[] = [];

/** Every statement declared so far (the name check imports every queries module, then PREPAREs these). */
export function declaredStatements(): readonly Statement<unknown, readonly unknown[]>[] {
  return declared;
}

const names = new Map<string, string>();
function built(text: string): BuiltSql {
  let name = names.get(text);
  if (!name) {
    name = `lintas_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    names.set(text, name);
  }
  return { name, text };
}

/**
 * Declares a statement. `build` gets the DataSource (for `columnsOf`, `tableOf`, `selectList`); a fixed text may ignore it.
 */
export function statement<R = Record<string, unknown>, P extends readonly unknown[] = unknown[]>(
  id: string,
  build: (dataSource: DataSource) => string,
  options: { rawText?: boolean } = {},
): Statement<R, P> {
  const cache = new WeakMap<DataSource, BuiltSql>();
  const st: Statement<R, P> = {
    id,
    rawText: options.rawText ?? false,
    sql(dataSource) {
      let b = cache.get(dataSource);
      if (!b) cache.set(dataSource, (b = built(build(dataSource))));
      return b;
    },
  };
  declared.push(st);
  return st;
}

export interface SqlResult<R> {
  rows: R[];
  rowCount: number;
}

/** Runs a declared statement on `em`'s connection: the transaction's when there is one, else a pooled one. */
export async function runSql<R, P extends readonly unknown[]>(em: EntityManager, st: Statement<R, P>, values: P): Promise<SqlResult<R>> {
  const { name, text } = st.sql(em.connection);
  const list = values as unknown as unknown[];
  const config: QueryConfig = prepared ? { name, text, values: list } : { text, values: list };
  if (st.rawText) Object.assign(config, { rowMode: 'array', types: RAW_TEXT });
  const own = em.queryRunner;
  // createQueryRunner + connect is TypeORM's public way to a pooled connection (connect() answers the pg client).
  const runner = own ?? em.connection.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    const result = await client.query(config);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  } catch (err) {
    throw err instanceof QueryFailedError ? err : new QueryFailedError(text, list, err as Error);
  } finally {
    if (!own) await runner.release();
  }
}

// ---------------------------------------------------------------- names from the entity metadata

/** The table of an entity, quoted. */
export function tableOf(dataSource: DataSource, target: EntityTarget<ObjectLiteral>): string {
  return `"${dataSource.getMetadata(target).tableName}"`;
}

/** The quoted column names of these properties, in this order (a property the entity does not have throws). */
export function columnsOf<T>(
  dataSource: DataSource,
  target: EntityTarget<T & ObjectLiteral>,
  properties: readonly (keyof T & string)[],
): string[] {
  const meta = dataSource.getMetadata(target);
  return properties.map((p) => {
    const column = meta.findColumnWithPropertyName(p);
    if (!column) throw new Error(`${meta.name} has no column ${p}`);
    return `"${column.databaseName}"`;
  });
}

/** Each column once (a relation's join column and its own @Column share a database name). */
function readColumns(meta: EntityMetadata): EntityMetadata['columns'] {
  const seen = new Set<string>();
  return meta.columns.filter((c) => !seen.has(c.databaseName) && seen.add(c.databaseName));
}

/**
 * `alias."column" AS "alias.property", …` for every column of an entity (those with `select: false` included), so that
 * `hydrate` can build the entity from a row (TypeORM's driver parses what pg leaves as text, arrays of enums say).
 */
export function selectList(dataSource: DataSource, target: EntityTarget<ObjectLiteral>, alias: string): string {
  return readColumns(dataSource.getMetadata(target))
    .map((c) => `${alias}."${c.databaseName}" AS "${alias}.${c.propertyName}"`)
    .join(', ');
}

/**
 * The entity from a row selected with `selectList(…, alias)`, each value converted by TypeORM's driver as the query
 * builder would (dates, transformers), so it equals what `em.findOne` returns.
 */
export function hydrate<T extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  alias: string,
  row: Record<string, unknown>,
): T {
  const meta = dataSource.getMetadata(target);
  const entity = meta.create() as Record<string, unknown>;
  const driver = dataSource.driver;
  for (const c of readColumns(meta)) entity[c.propertyName] = driver.prepareHydratedValue(row[`${alias}.${c.propertyName}`], c);
  return entity as T;
}

/** The columns an INSERT gives a value: every stored column but generated ones, the create/update timestamps and `databaseFills`. */
function insertColumns(meta: EntityMetadata, databaseFills: readonly string[]): EntityMetadata['columns'] {
  for (const p of databaseFills) if (!meta.findColumnWithPropertyName(p)) throw new Error(`${meta.name} has no column ${p}`);
  return readColumns(meta).filter(
    (c) => !c.isGenerated && !c.isCreateDate && !c.isUpdateDate && !c.isVirtual && !databaseFills.includes(c.propertyName),
  );
}

/**
 * The column list of an entity INSERT (every stored column but generated ones, the create/update timestamps and
 * `databaseFills`), quoted, and the table: for a statement that inserts the row inside something larger (a CTE).
 */
export function entityInsertColumns(
  dataSource: DataSource,
  target: EntityTarget<ObjectLiteral>,
  databaseFills: readonly string[] = [],
): { table: string; columns: string[] } {
  const meta = dataSource.getMetadata(target);
  return { table: `"${meta.tableName}"`, columns: insertColumns(meta, databaseFills).map((c) => `"${c.databaseName}"`) };
}

const insertColumnCache = new WeakMap<DataSource, Map<EntityTarget<ObjectLiteral>, Map<string, EntityMetadata['columns']>>>();

/**
 * The parameters for entityInsertColumns' columns, in that order: each value prepared by TypeORM's driver (JSON, dates,
 * transformers); undefined or null is NULL, and throws when the column is NOT NULL (give it, or name it in
 * `databaseFills` to leave it to its column default).
 */
export function entityInsertValues<T extends ObjectLiteral>(
  dataSource: DataSource,
  target: EntityTarget<T>,
  row: Partial<T>,
  databaseFills: readonly string[] = [],
): unknown[] {
  let byTarget = insertColumnCache.get(dataSource);
  if (!byTarget)
    insertColumnCache.set(dataSource, (byTarget = new Map<EntityTarget<ObjectLiteral>, Map<string, EntityMetadata['columns']>>()));
  let byFills = byTarget.get(target);
  if (!byFills) byTarget.set(target, (byFills = new Map<string, EntityMetadata['columns']>()));
  const key = databaseFills.join(',');
  let columns = byFills.get(key);
  if (!columns) byFills.set(key, (columns = insertColumns(dataSource.getMetadata(target), databaseFills)));
  const driver = dataSource.driver;
  return columns.map((c) => {
    const value: unknown = c.getEntityValue(row);
    if (value === undefined || value === null) {
      if (!c.isNullable) throw new Error(`${c.entityMetadata.name}.${c.propertyName} needs a value`);
      return null;
    }
    return driver.preparePersistentValue(value, c) as unknown;
  });
}

/** A declared single-row INSERT of an entity whose column list comes from the metadata; `values` gives its parameters. */
export interface EntityInsert<T, R> extends Statement<R> {
  values(dataSource: DataSource, row: Partial<T>): unknown[];
}

/**
 * `INSERT INTO "table" (entityInsertColumns) VALUES ($1, …) <tail>` (tail: RETURNING, ON CONFLICT), with
 * `values` (entityInsertValues) for its parameters.
 */
export function entityInsert<T extends ObjectLiteral, R = Record<string, unknown>>(
  id: string,
  target: EntityTarget<T>,
  options: { tail?: string; databaseFills?: readonly (keyof T & string)[] } = {},
): EntityInsert<T, R> {
  const tail = options.tail ?? '';
  const fills = options.databaseFills ?? [];
  const st = statement<R>(id, (ds) => {
    const { table, columns } = entityInsertColumns(ds, target, fills);
    return `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})${tail ? ` ${tail}` : ''}`;
  });
  return { ...st, values: (dataSource, row) => entityInsertValues(dataSource, target, row, fills) };
}
