/** The DataSource the TypeORM CLI uses (npm run migration:run|revert|generate). Reads the same environment as the service. */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './typeorm-options';

const url = process.env.DATABASE_MIGRATION_URL || process.env.DATABASE_URL;
if (!url) {
  process.stderr.write('DATABASE_URL (or DATABASE_MIGRATION_URL) must be set to run migrations\n');
  process.exit(2);
}
export default new DataSource(dataSourceOptions(url));
