/**
 * A database of its own for a spec that must break things (tamper with the audit chain, say) without leaving the
 * shared test database broken for the specs after it. Created with the cluster superuser (DATABASE_ADMIN_URL), owned
 * by lintas_owner, migrated as the owner, used by the app as lintas_app — the same roles and grants as the real one —
 * and dropped afterwards.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/typeorm-options';

export interface ThrowawayDatabase {
  name: string;
  /** lintas_app on this database: what the API and the worker use. */
  appUrl: string;
  /** lintas_owner on this database. */
  ownerUrl: string;
  /** the cluster superuser on this database. */
  adminUrl: string;
  drop(): Promise<void>;
}

export function urlOnDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export async function createThrowawayDatabase(prefix = 'lintas_tmp'): Promise<ThrowawayDatabase> {
  const { DATABASE_URL, DATABASE_MIGRATION_URL, DATABASE_ADMIN_URL } = process.env;
  if (!DATABASE_URL || !DATABASE_MIGRATION_URL || !DATABASE_ADMIN_URL) {
    throw new Error('a throwaway database needs DATABASE_URL, DATABASE_MIGRATION_URL and DATABASE_ADMIN_URL: run through `npm test`');
  }
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: urlOnDatabase(DATABASE_ADMIN_URL, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} OWNER lintas_owner`);
    await admin.query(`REVOKE ALL ON DATABASE ${name} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${name} TO lintas_app`);
  } finally {
    await admin.end();
  }
  const adminUrl = urlOnDatabase(DATABASE_ADMIN_URL, name);
  const onDb = new Client({ connectionString: adminUrl });
  await onDb.connect();
  await onDb.query('ALTER SCHEMA public OWNER TO lintas_owner; REVOKE CREATE ON SCHEMA public FROM PUBLIC;').finally(() => onDb.end());

  const ownerUrl = urlOnDatabase(DATABASE_MIGRATION_URL, name);
  const migrator = new DataSource({ ...dataSourceOptions(ownerUrl, 2), logging: false });
  await migrator.initialize();
  try {
    await migrator.runMigrations({ transaction: 'each' });
  } finally {
    await migrator.destroy();
  }
  return {
    name,
    appUrl: urlOnDatabase(DATABASE_URL, name),
    ownerUrl,
    adminUrl,
    drop: async () => {
      const c = new Client({ connectionString: urlOnDatabase(DATABASE_ADMIN_URL, 'postgres') });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A pg client for one role on one database; closed by the caller. */
export async function connect(url: string): Promise<Client> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}
