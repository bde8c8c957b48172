/**
 * The bootstrap admin: on an empty database LINTAS_BOOTSTRAP_ADMIN_EMAIL/PASSWORD create the operator organisation and
 * its platform admin, once; never again once any user exists. Each case runs on a throwaway database of its own.
 */
import { BootstrapService, OPERATOR_ORGANISATION } from '../src/bootstrap/bootstrap.service';
import { UsersService } from '../src/users/users.service';
import { startApi, TestApi } from './support/app';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';
import { unique } from './support/factories';

const PASSWORD = 'operator passphrase for the first boot';

describe('bootstrap admin (e2e)', () => {
  const scratches: ScratchDatabase[] = [];
  const apis: TestApi[] = [];

  afterAll(async () => {
    await Promise.all(apis.map((a) => a.close().catch(() => undefined)));
    await Promise.all(scratches.map((s) => s.drop()));
  });

  async function migratedScratch(): Promise<ScratchDatabase> {
    const scratch = await createScratchDatabase();
    scratches.push(scratch);
    await (await scratch.owner()).runMigrations({ transaction: 'each' });
    return scratch;
  }

  async function boot(scratch: ScratchDatabase, env: Record<string, string | undefined> = {}): Promise<TestApi> {
    const api = await startApi({
      DATABASE_URL: scratch.url,
      DATABASE_MIGRATION_URL: scratch.migrationUrl,
      LINTAS_BOOTSTRAP_ADMIN_EMAIL: undefined,
      LINTAS_BOOTSTRAP_ADMIN_PASSWORD: undefined,
      ...env,
    });
    apis.push(api);
    return api;
  }

  const counts = async (api: TestApi) => {
    const [row] = await api.dataSource.query(
      `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM organisations)::int AS organisations`,
    );
    return row as { users: number; organisations: number };
  };

  it('creates the operator organisation and its platform admin on an empty database, and only then', async () => {
    const scratch = await migratedScratch();
    const email = `${unique('operator')}@lintas.test`;
    const first = await boot(scratch, { LINTAS_BOOTSTRAP_ADMIN_EMAIL: email, LINTAS_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    expect(await counts(first)).toEqual({ users: 1, organisations: 1 });

    const login = await first.http.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect(login.status).toBe(200);
    const me = await first.http.get('/api/v1/me', login.body.accessToken);
    expect(me.body).toMatchObject({
      email,
      role: 'platform_admin',
      organisation: { name: OPERATOR_ORGANISATION.name, country: OPERATOR_ORGANISATION.country },
    });
    // The stored password is a hash, never the password.
    const [stored] = await first.dataSource.query(`SELECT password_hash FROM users WHERE email = $1`, [email]);
    expect(stored.password_hash).toMatch(/^\$argon2id\$/);
    await first.close();
    apis.pop();

    // Booted again with other bootstrap credentials (a changed environment, a second replica): nothing new.
    const otherEmail = `${unique('intruder')}@lintas.test`;
    const second = await boot(scratch, { LINTAS_BOOTSTRAP_ADMIN_EMAIL: otherEmail, LINTAS_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    expect(await counts(second)).toEqual({ users: 1, organisations: 1 });
    expect((await second.http.post('/api/v1/auth/login', { email: otherEmail, password: PASSWORD })).status).toBe(401);
    await expect(second.app.get(BootstrapService).ensureAdmin(otherEmail, PASSWORD)).resolves.toBe(false);
    expect(await counts(second)).toEqual({ users: 1, organisations: 1 });
  });

  it('ignores the bootstrap variables once users exist, even a password the policy now refuses', async () => {
    // An operator leaves the variables set after the first boot; a later release refuses that password (a longer
    // common-password list, say). The API must still start.
    const scratch = await migratedScratch();
    const email = `${unique('operator')}@lintas.test`;
    const first = await boot(scratch, { LINTAS_BOOTSTRAP_ADMIN_EMAIL: email, LINTAS_BOOTSTRAP_ADMIN_PASSWORD: PASSWORD });
    await expect(first.app.get(BootstrapService).ensureAdmin(email, '123456789012345')).resolves.toBe(false);
    await first.close();
    apis.pop();
    const again = await boot(scratch, { LINTAS_BOOTSTRAP_ADMIN_EMAIL: email, LINTAS_BOOTSTRAP_ADMIN_PASSWORD: '123456789012345' });
    expect((await again.http.get('/health/live')).status).toBe(200);
    expect(await counts(again)).toEqual({ users: 1, organisations: 1 });
  });

  it('creates exactly one admin when replicas bootstrap the same empty database at once', async () => {
    const api = await boot(await migratedScratch());
    expect(await counts(api)).toEqual({ users: 0, organisations: 0 });
    const service = api.app.get(BootstrapService);
    // Make the replicas really overlap: the first to get inside its transaction is slow to insert its admin, so the
    // others reach the "no users yet?" check while it is still uncommitted.
    const users = api.app.get(UsersService);
    const insert = users.insert.bind(users);
    jest.spyOn(users, 'insert').mockImplementationOnce(async (em, user) => {
      await new Promise((r) => setTimeout(r, 300));
      return insert(em, user);
    });
    const outcomes = await Promise.all([
      service.ensureAdmin(`${unique('a')}@lintas.test`, PASSWORD),
      service.ensureAdmin(`${unique('b')}@lintas.test`, PASSWORD),
      service.ensureAdmin(`${unique('c')}@lintas.test`, PASSWORD),
    ]);
    expect(outcomes.filter(Boolean)).toHaveLength(1);
    expect(users.insert).toHaveBeenCalledTimes(1);
    expect(await counts(api)).toEqual({ users: 1, organisations: 1 });
    jest.restoreAllMocks();
  });

  it('refuses a weak bootstrap password and creates nothing', async () => {
    const api = await boot(await migratedScratch());
    await expect(api.app.get(BootstrapService).ensureAdmin(`${unique('weak')}@lintas.test`, 'short')).rejects.toMatchObject({
      code: 'PASSWORD_POLICY',
    });
    expect(await counts(api)).toEqual({ users: 0, organisations: 0 });
  });
});
