/**
 * `node dist/src/cli/seed-demo-history.js [baseUrl]`: the demo's history and showcase (src/cli/demo-history.ts) against a
 * running API and worker. `npm run local` runs it once the API answers; it skips what is already there. Refuses to run
 * with NODE_ENV=production. Needs DATABASE_MIGRATION_URL (the owner role) for the one thing the API cannot do: backdate.
 */
import { Client } from 'pg';
import { DemoApi, seedDemoHistory } from './demo-history';

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') {
    process.stderr.write('lintas: the demo seed does not run with NODE_ENV=production\n');
    process.exit(2);
  }
  const baseUrl = process.argv[2] ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
  const url = process.env.DATABASE_MIGRATION_URL;
  if (!url) throw new Error('DATABASE_MIGRATION_URL is not set');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const result = await seedDemoHistory(
      new DemoApi(baseUrl),
      async (sql, params) => (await client.query<Record<string, unknown>>(sql, params)).rows,
      {
        log: (line) => process.stdout.write(`lintas:   ${line}\n`),
      },
    );
    const parts = [
      result.historyCases ? `${result.historyCases} history cases over ${result.quarters} closed quarters` : 'history already there',
      result.showcase ? 'referrals, claims and a withdrawn consent' : 'showcase already there',
    ];
    process.stdout.write(`lintas: demo history ready (${parts.join('; ')}) in ${(result.ms / 1000).toFixed(1)} s\n`);
  } finally {
    await client.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`lintas: demo history failed: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
