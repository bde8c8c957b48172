/**
 * Demo dataset for a first look at Lintas (`npm run local` runs it; `npm run seed:demo` on its own). Idempotent: what
 * exists is left alone. Refuses to run with NODE_ENV=production. Every name here is fictional.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AppModule } from '../app.module';
import { PasswordHasher } from '../users/passwords/password-hasher';
import { CasesService } from '../cases/cases.service';
import { ownsAnyCase, seedDemoCases } from '../cases/demo-cases';
import { Role } from '../common/vocabulary';
import { takeTransactionLock } from '../database/locks';
import { DEMO_ORGANISATIONS, DEMO_PASSWORD, demoEmail } from './demo-organisations';
import { findLocalOrganisationByName, insertLocalOrganisation } from '../organisations/organisation-reads';
import { findUserByEmail } from '../users/user-reads';
import { UsersService } from '../users/users.service';

// The demo organisations, users and password live in ./demo-organisations (no Nest imports: the banner and the history
// seed read them too); re-exported here for the callers of this file.
export { DEMO_ORGANISATIONS, DEMO_PASSWORD, demoEmail } from './demo-organisations';

export async function seedDemo(
  dataSource: DataSource,
  users: UsersService,
  hasher: PasswordHasher,
  cases?: CasesService,
): Promise<{ organisations: number; users: number; cases: number }> {
  const passwordHash = await hasher.hash(DEMO_PASSWORD);
  let orgCount = 0;
  let userCount = 0;
  await dataSource.transaction(async (em) => {
    await takeTransactionLock(em, 'lintas:seed-demo');
    for (const demo of DEMO_ORGANISATIONS) {
      let org = await findLocalOrganisationByName(em, demo.country, demo.name);
      if (!org) {
        org = await insertLocalOrganisation(em, { name: demo.name, country: demo.country, type: demo.type });
        orgCount++;
      }
      for (const role of demo.users) {
        const email = demoEmail(role, demo.key);
        if (await findUserByEmail(em, email)) continue;
        await users.insert(em, {
          email,
          passwordHash,
          role,
          organisationId: org.id,
          displayName: `Demo ${role.replace('_', ' ')} (${demo.country})`,
        });
        userCount++;
      }
    }
  });
  // A few fictional cases for the shelters that have none yet (through the same service as the API: encrypted, audited).
  let caseCount = 0;
  if (cases) {
    for (const key of ['th', 'kh']) {
      const demo = DEMO_ORGANISATIONS.find((o) => o.key === key)!;
      const em = dataSource.manager;
      const org = await findLocalOrganisationByName(em, demo.country, demo.name);
      if (!org) throw new Error(`demo organisation ${demo.key} is missing`);
      if (await ownsAnyCase(em, org.id)) continue;
      const staff = async (role: Role) => {
        const u = await findUserByEmail(em, demoEmail(role, key));
        if (!u) throw new Error(`demo ${role} of ${demo.key} is missing`);
        return { id: u.id, organisationId: org.id, organisationCountry: org.country, role };
      };
      caseCount += (await seedDemoCases(cases, { caseworker: await staff('caseworker'), supervisor: await staff('supervisor') })).length;
    }
  }
  return { organisations: orgCount, users: userCount, cases: caseCount };
}

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') {
    process.stderr.write('lintas: the demo seed does not run with NODE_ENV=production\n');
    process.exit(2);
  }
  const app = await NestFactory.createApplicationContext(AppModule, { logger: ['error', 'warn'] });
  try {
    const result = await seedDemo(app.get(DataSource), app.get(UsersService), app.get(PasswordHasher), app.get(CasesService));
    process.stdout.write(
      `lintas: demo data ready (${result.organisations} organisations, ${result.users} users and ${result.cases} cases added now)\n`,
    );
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`lintas: demo seed failed: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}
