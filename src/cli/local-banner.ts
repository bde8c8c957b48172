/**
 * The short start-up summary `npm run local` prints once everything is up: what runs where, where the logs are, the demo
 * users and their roles, and what to try first. `node dist/src/cli/local-banner.js <logs folder | console>`.
 */
import { DEMO_ORGANISATIONS, DEMO_PASSWORD, demoEmail } from './demo-organisations';

const where = (url: string | undefined): string => {
  if (!url) return '?';
  const u = new URL(url);
  return `${u.hostname}:${u.port}`; // never the password
};

export function banner(env: NodeJS.ProcessEnv, logs: string): string {
  const api = `http://${env.HOST ?? '127.0.0.1'}:${env.PORT ?? 3000}`;
  const width = Math.max(...DEMO_ORGANISATIONS.flatMap((o) => o.users.map((r) => demoEmail(r, o.key).length)));
  const users = DEMO_ORGANISATIONS.flatMap((o) =>
    o.users.map((role) => `    ${demoEmail(role, o.key).padEnd(width)}  ${role.padEnd(13)} ${o.name} (${o.country})`),
  );
  const lastQuarter = (() => {
    const now = new Date();
    const q = Math.floor(now.getUTCMonth() / 3);
    return q === 0 ? `${now.getUTCFullYear() - 1}-Q4` : `${now.getUTCFullYear()}-Q${q}`;
  })();
  return [
    '',
    '  Lintas is running (Ctrl-C stops the API, the worker, PostgreSQL and Redis)',
    '',
    `    API        ${api}/api/v1`,
    `    OpenAPI    ${api}/api/docs`,
    `    PostgreSQL ${where(env.DATABASE_URL)}   Redis ${where(env.REDIS_URL)}   data in ${env.LINTAS_LOCAL_DIR ?? '.local/dev'}`,
    `    Logs       ${logs === 'console' ? 'on this console (JSON)' : `${logs}/api.log and ${logs}/worker.log (JSON; tail -f to follow)`}`,
    '',
    `  Demo users, all with the password "${DEMO_PASSWORD}":`,
    `    ${(env.LINTAS_BOOTSTRAP_ADMIN_EMAIL ?? 'admin@demo.lintas.example').padEnd(width)}  platform_admin`,
    ...users,
    '',
    '  Try: sign in as caseworker.th@demo.lintas.example and list /api/v1/cases and /api/v1/referrals;',
    `  as auditor.oversight@demo.lintas.example, GET /api/v1/statistics/tables/cases-by-trafficking-status?period=${lastQuarter}.`,
    '  Labels in Thai: GET /api/v1/vocabulary?lang=th. The README walks through the rest.',
    `  The three journeys, every answer checked: npx newman run examples/lintas-journeys.postman_collection.json${
      api === 'http://127.0.0.1:3000' ? '' : ` --env-var baseUrl=${api}`
    }`,
    '',
  ].join('\n');
}

if (require.main === module) process.stdout.write(banner(process.env, process.argv[2] ?? 'console') + '\n');
