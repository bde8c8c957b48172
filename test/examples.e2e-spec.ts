/**
 * The examples run as written. Starts a deployment as `npm run local` does — API and worker, the demo seed, the demo
 * history through the API (one closed quarter instead of twelve: the shape of every quarter is the same) — in a database
 * of its own, then:
 *  - runs the HTTP collection (examples/lintas-journeys.postman_collection.json) with newman's Node API: the caseworker,
 *    partner and auditor journeys; any failed assertion fails this spec, with the request's name and the message;
 *  - runs the curl blocks of the README and of docs/*.md marked `<!-- example: run in npm test -->` with bash, each
 *    document's blocks in order in one shell (a later block uses what an earlier one defined), against the same API.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplicationContext } from '@nestjs/common';
import newman from 'newman';
import { DataSource } from 'typeorm';
import { CasesService } from '../src/cases/cases.service';
import { DemoApi, seedDemoHistory } from '../src/cli/demo-history';
import { DEMO_PASSWORD, seedDemo } from '../src/cli/seed-demo';
import { PasswordHasher } from '../src/users/passwords/password-hasher';
import { UsersService } from '../src/users/users.service';
import { startApi, startWorker, TestApi } from './support/app';
import { createScratchDatabase, ScratchDatabase } from './support/scratch-db';

const root = join(__dirname, '..');
const COLLECTION = join(root, 'examples/lintas-journeys.postman_collection.json');
/** The address the examples are written for (`npm run local`); the runner points them at the started deployment. */
const WRITTEN_FOR = 'http://127.0.0.1:3000';
const MARK = '<!-- example: run in npm test -->';

/** The bash blocks that follow the mark, in order. */
function markedBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  const re = new RegExp(`${MARK}\\s*\\n\`\`\`(?:bash|sh)\\n([\\s\\S]*?)\\n\`\`\``, 'g');
  for (const m of markdown.matchAll(re)) blocks.push(m[1]);
  return blocks;
}

function runBash(script: string, timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

describe('the examples run as written against the demo (e2e)', () => {
  let scratch: ScratchDatabase;
  let owner: DataSource;
  let api: TestApi;
  let worker: INestApplicationContext;
  let baseUrl: string;

  beforeAll(async () => {
    scratch = await createScratchDatabase();
    owner = await scratch.owner();
    await owner.runMigrations({ transaction: 'each' });
    const env = {
      DATABASE_URL: scratch.url,
      DATABASE_MIGRATION_URL: scratch.migrationUrl,
      QUEUE_PREFIX: `examples${randomBytes(3).toString('hex')}`,
      LINTAS_BOOTSTRAP_ADMIN_EMAIL: 'admin@demo.lintas.example',
      LINTAS_BOOTSTRAP_ADMIN_PASSWORD: DEMO_PASSWORD,
    };
    api = await startApi(env);
    worker = await startWorker(env);
    baseUrl = api.http.baseUrl;
    await seedDemo(api.dataSource, api.app.get(UsersService), api.app.get(PasswordHasher), api.app.get(CasesService));
    await seedDemoHistory(new DemoApi(baseUrl), (sql, params) => owner.query(sql, params), { quarters: 1 });
  }, 180_000);
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await scratch?.drop();
  });

  it('walks the caseworker, partner and auditor journeys of the HTTP collection without a failed assertion', async () => {
    const collection = JSON.parse(readFileSync(COLLECTION, 'utf8')) as { item: Array<{ item: unknown[] }> };
    const requests = collection.item.reduce((n, folder) => n + folder.item.length, 0);
    const summary = await new Promise<newman.NewmanRunSummary>((done, fail) =>
      newman.run(
        {
          collection: collection as newman.NewmanRunOptions['collection'],
          envVar: [{ key: 'baseUrl', value: baseUrl }],
          reporters: [],
          timeoutRequest: 15_000,
        },
        (err, result) => (err ? fail(err) : done(result)),
      ),
    );
    const failures = summary.run.failures.map((f) => `${f.source?.name ?? '?'}: ${f.error.name} ${f.error.message}`);
    expect(failures).toEqual([]);
    const executed = new Set(summary.run.executions.map((e) => e.item.name));
    expect(executed.size).toBe(requests); // every request ran (a polling request runs more than once)
    expect(summary.run.stats.assertions.total).toBeGreaterThanOrEqual(2 * requests);
  }, 120_000);

  it.each([
    ['README.md', '"role":"caseworker"'],
    ['docs/restitution.md', '"status":"partially_paid"'],
  ])('runs the marked curl blocks of %s with bash, in order', async (file, shows) => {
    const blocks = markedBlocks(readFileSync(join(root, file), 'utf8'));
    expect(blocks.length).toBeGreaterThan(0);
    const script = blocks.join('\n').split(WRITTEN_FOR).join(baseUrl);
    expect(script).not.toContain('localhost:3000'); // one address to rewrite, so nothing reaches a stray local API
    const { code, stdout, stderr } = await runBash(script);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    // curl -s exits 0 on a 4xx: every answer must be a success, never an error body.
    expect(stdout).not.toMatch(/"statusCode":\s*[45]\d\d/);
    expect(stdout).not.toContain('undefined');
    expect(stdout).toContain(shows);
  });
});
