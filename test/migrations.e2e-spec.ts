/**
 * Entities and migrations agree (no drift), every migration can be undone, and the schema that migrations build gives
 * the application role rows, never structure.
 */
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/typeorm-options';
import { startApi } from './support/app';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

/** SQL that would bring the database in line with the entities; empty when migrations and entities agree. */
const drift = async (ds: DataSource): Promise<string[]> =>
  (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query.trim());

const tables = async (ds: DataSource): Promise<string[]> =>
  (await ds.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`)).map(
    (r: { table_name: string }) => r.table_name,
  );

describe('migrations (e2e)', () => {
  it('match the entities on the test database (no drift)', async () => {
    const ds = await new DataSource({ ...dataSourceOptions(process.env.DATABASE_MIGRATION_URL!, 1), logging: false }).initialize();
    try {
      expect(await ds.showMigrations()).toBe(false);
      expect(await drift(ds)).toEqual([]);
    } finally {
      await ds.destroy();
    }
  });

  describe('on a fresh database', () => {
    let scratch: ScratchDatabase;
    let ds: DataSource;

    beforeAll(async () => {
      scratch = await createScratchDatabase();
      ds = await scratch.owner();
    });
    afterAll(() => scratch?.drop());

    it('give every migration a down that does something', () => {
      expect(ds.migrations.length).toBeGreaterThan(0);
      const without = ds.migrations
        .filter((m) => typeof m.down !== 'function' || !/queryRunner\.(query|drop|remove)/.test(m.down.toString()))
        .map((m) => m.name ?? m.constructor.name);
      expect(without).toEqual([]);
    });

    it('build the schema from nothing, undo every step, and build it again without drift', async () => {
      const applied = await ds.runMigrations({ transaction: 'each' });
      expect(applied.map((m) => m.name)).toEqual(ds.migrations.map((m) => m.name));
      expect(await drift(ds)).toEqual([]);
      const built = await tables(ds);
      expect(built).toEqual(expect.arrayContaining(['users', 'organisations', 'outbox_events', 'audit_events', 'typeorm_migrations']));

      for (let i = 0; i < applied.length; i++) await ds.undoLastMigration({ transaction: 'each' });
      expect(await tables(ds)).toEqual(['typeorm_migrations']);
      const types = await ds.query(
        `SELECT typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
      );
      expect(types).toEqual([]);

      await ds.runMigrations({ transaction: 'each' });
      expect(await tables(ds)).toEqual(built);
      expect(await drift(ds)).toEqual([]);
    });

    it('give the application role rows but not structure', async () => {
      const app = new Client({ connectionString: scratch.url });
      await app.connect();
      try {
        const { rows } = await app.query(
          `INSERT INTO organisations (name, name_key, country, type) VALUES ('Grant check', 'grant check', 'TH', 'ngo') RETURNING id`,
        );
        await app.query(`DELETE FROM organisations WHERE id = $1`, [rows[0].id]);
        await expect(app.query(`CREATE TABLE sneaky (id int)`)).rejects.toThrow(/permission denied/);
        await expect(app.query(`ALTER TABLE users ADD COLUMN sneaky int`)).rejects.toThrow(/must be owner/);
        await expect(app.query(`DROP TABLE audit_events`)).rejects.toThrow(/must be owner/);
      } finally {
        await app.end();
      }
    });

    it('make readiness answer 503 while a migration is pending', async () => {
      await ds.undoLastMigration({ transaction: 'each' });
      try {
        const api = await startApi({ DATABASE_URL: scratch.url, DATABASE_MIGRATION_URL: scratch.migrationUrl });
        try {
          const res = await api.http.get('/health/ready');
          expect(res.status).toBe(503);
          expect(res.body.details.migrations).toEqual({ status: 'down' });
          expect(res.body.details.postgres).toEqual({ status: 'up' });
        } finally {
          await api.close();
        }
      } finally {
        await ds.runMigrations({ transaction: 'each' });
      }
    });
  });
});
