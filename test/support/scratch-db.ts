/**
 * A throwaway database on the test cluster, for specs that need an empty schema (bootstrap, migration round trips).
 * Created with DATABASE_ADMIN_URL and owned by the migration role, exactly as scripts/services.sh creates the real ones;
 * dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/typeorm-options';

export interface ScratchDatabase {
  name: string;
  /** As the application role (lintas_app). */
  url: string;
  /** As the migration role (lintas_owner). */
  migrationUrl: string;
  /** A DataSource as the migration role; initialised. */
  owner(): Promise<DataSource>;
  drop(): Promise<void>;
}

const withDatabase = (url: string, name: string): string => {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
};

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const url = process.env.DATABASE_ADMIN_URL;
  if (!url) throw new Error('DATABASE_ADMIN_URL is needed to create a scratch database: run the specs through `npm test`');
  const client = new Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createScratchDatabase(): Promise<ScratchDatabase> {
  const name = `lintas_scratch_${randomBytes(4).toString('hex')}`;
  await admin(async (c) => {
    await c.query(`CREATE DATABASE ${name} OWNER lintas_owner`);
    await c.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
    await c.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO lintas_app`);
  });
  const migrationUrl = withDatabase(process.env.DATABASE_MIGRATION_URL!, name);
  const sources: DataSource[] = [];
  return {
    name,
    url: withDatabase(process.env.DATABASE_URL!, name),
    migrationUrl,
    async owner() {
      const ds = await new DataSource({ ...dataSourceOptions(migrationUrl, 2), logging: false }).initialize();
      sources.push(ds);
      return ds;
    },
    async drop() {
      await Promise.all(sources.filter((s) => s.isInitialized).map((s) => s.destroy()));
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
