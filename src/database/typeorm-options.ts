import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { SnakeNamingStrategy } from './snake-naming.strategy';

/**
 * One description of the database for the API, the worker, the CLI and the tests. Entities and migrations are found
 * by file name, so the same options work from src/ (ts-jest) and from dist/ (built).
 * synchronize is off everywhere: the schema comes from migrations only.
 */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  const root = join(__dirname, '..', '..');
  return {
    type: 'postgres',
    url,
    entities: [join(root, 'src', '**', '*.entity.{ts,js}')],
    migrations: [join(root, 'migrations', '*.{ts,js}')],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    namingStrategy: new SnakeNamingStrategy(),
    uuidExtension: 'pgcrypto', // gen_random_uuid() is built into PostgreSQL 13+
    installExtensions: false,
    synchronize: false,
    migrationsRun: false,
    // TypeORM's own logger prints failed queries with their parameters (names, document numbers): never enable it.
    // Database errors are logged by the exception filter with the SQLSTATE and constraint only.
    logging: false,
    extra: { max: poolSize, application_name: 'lintas' },
  };
}
