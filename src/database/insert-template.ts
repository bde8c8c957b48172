import { isDeepStrictEqual } from 'node:util';
import { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';

/**
 * A single-row INSERT of an entity with TypeORM's own SQL, built by TypeORM's InsertQueryBuilder once per shape (which
 * columns get a value, which are left to their DEFAULT) instead of on every call: building it costs a few hundred
 * microseconds of CPU, more than the rest of a small request. The values are still prepared by TypeORM's driver
 * (`preparePersistentValue`: transformers, JSON, dates), column by column in the entity's column order, which is the
 * order InsertQueryBuilder gives its parameters.
 *
 * A shape is learned by building it with InsertQueryBuilder and checking that the prepared values come out as exactly
 * TypeORM's parameters, in order; a shape where they do not (a column TypeORM leaves out, an SQL expression as a value)
 * is never cached and always built by InsertQueryBuilder, so the answer is TypeORM's in every case.
 */
export class InsertTemplate<T extends ObjectLiteral> {
  /** Per shape: the SQL and the indexes (in metadata.columns) of the columns that are its parameters; null = never cache. */
  private readonly shapes = new Map<string, { sql: string; columns: number[] } | null>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly target: EntityTarget<T>,
    /** Property paths for RETURNING. */
    private readonly returning: string[],
  ) {}

  /** `[sql, parameters]`, the same as `insert().into(target).values(values).returning(returning).getQueryAndParameters()`. */
  build(values: Partial<T>): [string, unknown[]] {
    const columns = this.dataSource.getMetadata(this.target).columns;
    const prepared = this.prepare(columns, values);
    if (!prepared) return this.fromBuilder(values);
    const key = prepared.map((v) => (v === undefined ? '0' : '1')).join('');
    let shape = this.shapes.get(key);
    if (shape === undefined) {
      shape = this.learn(values, prepared);
      this.shapes.set(key, shape);
    }
    if (shape === null) return this.fromBuilder(values);
    return [shape.sql, shape.columns.map((i) => prepared[i])];
  }

  /** Every column's value as TypeORM's driver prepares it; null when a value is an SQL expression (a function). */
  private prepare(columns: ColumnMetadata[], values: Partial<T>): unknown[] | null {
    const driver = this.dataSource.driver;
    const out: unknown[] = [];
    for (const column of columns) {
      const value: unknown = column.getEntityValue(values);
      if (typeof value === 'function') return null;
      out.push(driver.preparePersistentValue(value, column));
    }
    return out;
  }

  private learn(values: Partial<T>, prepared: unknown[]): { sql: string; columns: number[] } | null {
    const [sql, parameters] = this.fromBuilder(values);
    const columns = prepared.flatMap((v, i) => (v === undefined ? [] : [i]));
    const same = columns.length === parameters.length && columns.every((c, k) => isDeepStrictEqual(prepared[c], parameters[k]));
    return same ? { sql, columns } : null;
  }

  private fromBuilder(values: Partial<T>): [string, unknown[]] {
    return this.dataSource.createQueryBuilder().insert().into(this.target).values(values).returning(this.returning).getQueryAndParameters();
  }
}
