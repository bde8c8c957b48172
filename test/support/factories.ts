/**
 * Each spec makes its own organisations and users, with unique names, so no spec depends on another's data or order.
 * The first platform admin of a spec is written straight to the database (the way the bootstrap does it); everything
 * else goes through the API.
 */
import { randomUUID } from 'node:crypto';
import { PasswordHasher } from '../../src/users/passwords/password-hasher';
import { OrganisationEntity } from '../../src/organisations/organisation.entity';
import { nameKey } from '../../src/organisations/organisation-reads';
import { Role } from '../../src/common/vocabulary';
import { UserEntity } from '../../src/users/user.entity';
import { TestApi } from './app';

export const PASSWORD = 'correct stapler orchid lantern';

export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export interface TestUser {
  id: string;
  email: string;
  role: Role;
  organisationId: string;
  token: string;
  refreshToken: string;
}

export async function login(api: TestApi, email: string, password = PASSWORD) {
  const res = await api.http.post('/api/v1/auth/login', { email, password });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return res.body as { accessToken: string; refreshToken: string; expiresIn: number };
}

export async function platformAdmin(api: TestApi): Promise<TestUser> {
  const hasher = new PasswordHasher();
  const email = `${unique('operator')}@lintas.test`;
  const { org, user } = await api.dataSource.transaction(async (em) => {
    const name = unique('Operator');
    const org = await em.save(em.create(OrganisationEntity, { name, nameKey: nameKey(name), country: 'TH', type: 'ngo', node: 'local' }));
    const user = await em.save(
      em.create(UserEntity, {
        email,
        displayName: 'Operator',
        role: 'platform_admin',
        organisationId: org.id,
        passwordHash: await hasher.hash(PASSWORD),
        disabledAt: null,
      }),
    );
    return { org, user };
  });
  const tokens = await login(api, email);
  return {
    id: user.id,
    email,
    role: 'platform_admin',
    organisationId: org.id,
    token: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}

export async function createOrganisation(
  api: TestApi,
  admin: TestUser,
  overrides: Partial<{ name: string; country: string; type: string }> = {},
): Promise<{ id: string; name: string; country: string; type: string }> {
  const res = await api.http.post(
    '/api/v1/organisations',
    { name: unique('Shelter'), country: 'TH', type: 'ngo', ...overrides },
    admin.token,
  );
  if (res.status !== 201) throw new Error(`organisation create failed: ${res.status} ${res.text}`);
  return res.body;
}

export async function createUser(api: TestApi, creator: TestUser, organisationId: string, role: Role): Promise<TestUser> {
  const email = `${unique(role)}@lintas.test`;
  const res = await api.http.post(
    '/api/v1/users',
    { email, password: PASSWORD, role, organisationId, displayName: `Test ${role}` },
    creator.token,
  );
  if (res.status !== 201) throw new Error(`user create failed: ${res.status} ${res.text}`);
  const tokens = await login(api, email);
  return { id: res.body.id, email, role, organisationId, token: tokens.accessToken, refreshToken: tokens.refreshToken };
}

/** An oversight body (a regional oversight office, a donor) with one auditor: the only place an auditor can be. */
export async function oversightAuditor(api: TestApi, admin: TestUser, country = 'TH') {
  const org = await createOrganisation(api, admin, { name: unique('Oversight'), country, type: 'oversight' });
  return { org, auditor: await createUser(api, admin, org.id, 'auditor') };
}

/**
 * An organisation with one user of each organisation role, and an auditor — who belongs to an oversight body of the
 * same country (`oversight`), since auditors are made only there.
 */
export async function organisationWithStaff(
  api: TestApi,
  admin: TestUser,
  overrides: Partial<{ name: string; country: string; type: string }> = {},
) {
  const org = await createOrganisation(api, admin, overrides);
  const [[caseworker, supervisor, orgAdmin], { org: oversight, auditor }] = await Promise.all([
    Promise.all((['caseworker', 'supervisor', 'org_admin'] as Role[]).map((r) => createUser(api, admin, org.id, r))),
    oversightAuditor(api, admin, org.country),
  ]);
  return { org, oversight, caseworker, supervisor, orgAdmin, auditor };
}
