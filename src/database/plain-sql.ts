/**
 * The old entry to raw SQL, kept for the modules not yet moved to their `<module>.queries.ts` (referrals, consent, the
 * disclosure gate's partner read): plainQuery runs through sql.ts's runner (the same named prepared statements, the same
 * errors), but its text is not declared, so the name check (test/sql-names.e2e-spec.ts) cannot see it. Move a module's
 * statements to `statement()` declarations and this file goes.
 */
import { EntityManager, EntityMetadata } from 'typeorm';
import { runSql, undeclaredStatement } from './sql';

export { usePreparedStatements } from './sql';

/**
 * One statement on `em`'s connection. `text` must be the same for every call that means the same statement: values go
 * in `values`, never into the text (a text built from a fixed set of column names or a row count is fine).
 */
export async function plainQuery<T = Record<string, unknown>>(
  em: EntityManager,
  text: string,
  values: unknown[] = [],
): Promise<{ rows: T[]; rowCount: number }> {
  const { rows, rowCount } = await runSql(em, undeclaredStatement(text), values);
  return { rows: rows as T[], rowCount };
}

const selectLists = new WeakMap<EntityMetadata, Map<string, string>>();

/**
 * `alias."column" AS "property", …` for every column of an entity, so that a plain query's rows already have the
 * entity's shape (toEntity). Arrays of enum values are cast to text[]: pg parses those, not arrays of a custom type.
 * New code: sql.ts's selectList and hydrate.
 */
export function entityColumns(meta: EntityMetadata, alias: string): string {
  let byAlias = selectLists.get(meta);
  if (!byAlias) selectLists.set(meta, (byAlias = new Map<string, string>()));
  let list = byAlias.get(alias);
  if (!list) {
    // A column with a value transformer would come back untransformed: such an entity is not for plain queries.
    const transformed = meta.columns.find((c) => c.transformer);
    if (transformed) throw new Error(`${meta.name}.${transformed.propertyName} has a transformer; read it through the ORM`);
    list = meta.columns
      .map((c) => `${alias}."${c.databaseName}"${c.isArray && c.type === 'enum' ? '::text[]' : ''} AS "${c.propertyName}"`)
      .join(', ');
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
