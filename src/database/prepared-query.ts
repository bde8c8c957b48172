import { createHash } from 'node:crypto';
import type { PoolClient } from 'pg';
import { DataSource, QueryFailedError } from 'typeorm';

/**
 * Runs a hot statement as a named prepared statement of the pooled connection it lands on, so PostgreSQL parses and
 * plans it once per connection instead of on every call (for POST /cases that was a fifth of PostgreSQL's CPU per
 * create). The name is derived from the text, so each distinct text is its own statement: use it only for statements
 * whose text takes a few fixed shapes, with every value a parameter. A schema change re-plans the statement by itself.
 * Needs a direct connection or session pooling (a transaction-pooling PgBouncer before 1.21 does not keep named
 * statements). Errors come back as TypeORM's QueryFailedError, exactly as from DataSource.query.
 */
export async function preparedQuery<T>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query({ name: statementName(sql), text: sql, values: parameters })).rows as T[];
  } catch (err) {
    throw err instanceof QueryFailedError ? err : new QueryFailedError(sql, parameters, err as Error);
  } finally {
    await runner.release();
  }
}

const names = new Map<string, string>();

function statementName(sql: string): string {
  let name = names.get(sql);
  if (name === undefined) {
    // Bounded, in case a caller ever passes texts that vary: they would then simply be prepared again.
    if (names.size >= 1000) names.clear();
    name = `lintas_${createHash('sha256').update(sql).digest('hex').slice(0, 32)}`;
    names.set(sql, name);
  }
  return name;
}
