/**
 * Two Lintas deployments in one jest process, as two partner countries would run them: separate databases
 * (DATABASE_URL and DATABASE_URL_B, both migrated by `npm test`), separate Ed25519 node keys (A keeps the suite's, B gets a
 * fresh one and its own key folder), separate queue prefixes, separate loopback ports, registered as partners of each other through the real partner API (each
 * fetches the other's keys from /federation/v1/keys). Node ids are unique per call, so specs sharing the databases
 * never collide.
 *
 * A node's API can be stopped and started again on the same port (a partner that is down, then back), and its worker
 * runs either in this process (`startWorker`) or as a child process (`spawnWorker`, `node dist/src/worker.js`) that a
 * spec can kill with SIGKILL in the middle of a job.
 */
import { INestApplicationContext } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startApi, startWorker, TestApi } from './app';
import { platformAdmin, TestUser } from './factories';
import { removeQueues } from './queues';

export interface ChildWorker {
  process: ChildProcess;
  /** Resolves when the process has exited (after a kill, say). */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface TestNode {
  name: 'A' | 'B';
  /** The running API (replaced by restart()). */
  api: TestApi;
  nodeId: string;
  admin: TestUser;
  /** The partner record of the other node, as registered on this one. */
  partnerId: string;
  /** The environment this node was started with; start its worker with the same. */
  env: Record<string, string>;
  startWorker(): Promise<INestApplicationContext>;
  /** The worker as a child process with this node's environment (needs `nest build` first, as `npm test` does). */
  spawnWorker(): ChildWorker;
  /** Stops the API: the partner sees connection refused. */
  stopApi(): Promise<void>;
  /** Starts the API again on the same port, with extra environment if given. */
  startApi(extraEnv?: Record<string, string>): Promise<void>;
}

export interface TwoNodes {
  a: TestNode;
  b: TestNode;
  close(): Promise<void>;
}

export function requireSecondDatabase(): { url: string; migrationUrl: string } {
  const url = process.env.DATABASE_URL_B;
  const migrationUrl = process.env.DATABASE_MIGRATION_URL_B;
  if (!url || !migrationUrl)
    throw new Error('Two-node specs need DATABASE_URL_B and DATABASE_MIGRATION_URL_B: run them through `npm test`');
  return { url, migrationUrl };
}

const ed25519Pem = (): string => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

function spawnChildWorker(env: Record<string, string>): ChildWorker {
  const script = resolve(__dirname, '../../dist/src/worker.js');
  if (!existsSync(script)) throw new Error('dist/src/worker.js is missing: run `npx nest build` (npm test does)');
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    process: child,
    exited,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** `extraEnv` applies to both nodes (and their workers): short worker locks for the crash specs, say. */
export async function startTwoNodes(extraEnv: Record<string, string> = {}): Promise<TwoNodes> {
  const second = requireSecondDatabase();
  const run = randomUUID().slice(0, 8);
  const localDir = resolve(process.env.LINTAS_LOCAL_DIR ?? '.local');
  const common = { FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'loopback', ...extraEnv };
  // Node A shares the suite's database, so it keeps the suite's keys (master key, node signing key): the cases it
  // encrypts and the audit checkpoints its worker signs there must stay readable and verifiable by every other spec.
  const envA: Record<string, string> = {
    ...common,
    FEDERATION_NODE_ID: `lintas-a-${run}`,
    QUEUE_PREFIX: `lintas-a-${run}`,
  };
  const envB: Record<string, string> = {
    ...common,
    FEDERATION_NODE_ID: `lintas-b-${run}`,
    NODE_SIGNING_KEY: ed25519Pem(),
    QUEUE_PREFIX: `lintas-b-${run}`,
    LINTAS_LOCAL_DIR: join(localDir, 'node-b'),
    DATABASE_URL: second.url,
    DATABASE_MIGRATION_URL: second.migrationUrl,
  };
  const apiA = await startApi(envA);
  let apiB: TestApi | undefined;
  const workers: INestApplicationContext[] = [];
  const children: ChildWorker[] = [];
  try {
    apiB = await startApi(envB);
    const [adminA, adminB] = await Promise.all([platformAdmin(apiA), platformAdmin(apiB)]);
    const register = async (on: TestApi, admin: TestUser, other: TestApi, otherEnv: Record<string, string>, name: string) => {
      // No keys given: the partner's JWKS is fetched from its base URL, over the outbound address guard.
      const res = await on.http.post(
        '/api/v1/federation/partners',
        { nodeId: otherEnv.FEDERATION_NODE_ID, name, baseUrl: other.http.baseUrl },
        admin.token,
      );
      if (res.status !== 201) throw new Error(`partner registration failed: ${res.status} ${res.text}`);
      return res.body.id as string;
    };
    const [partnerOfA, partnerOfB] = await Promise.all([
      register(apiA, adminA, apiB, envB, `Lintas B ${run}`),
      register(apiB, adminB, apiA, envA, `Lintas A ${run}`),
    ]);
    const node = (name: 'A' | 'B', api: TestApi, env: Record<string, string>, admin: TestUser, partnerId: string): TestNode => {
      const port = Number(new URL(api.http.baseUrl).port);
      let running: TestApi | null = api;
      const self: TestNode = {
        name,
        api,
        nodeId: env.FEDERATION_NODE_ID,
        admin,
        partnerId,
        env,
        startWorker: async () => {
          const worker = await startWorker(env);
          workers.push(worker);
          return worker;
        },
        spawnWorker: () => {
          const child = spawnChildWorker(env);
          children.push(child);
          return child;
        },
        stopApi: async () => {
          await running?.close();
          running = null;
        },
        startApi: async (extra = {}) => {
          running = await startApi({ ...env, ...extra }, { port });
          self.api = running;
        },
      };
      return self;
    };
    const a = node('A', apiA, envA, adminA, partnerOfA);
    const b = node('B', apiB, envB, adminB, partnerOfB);
    return {
      a,
      b,
      close: async () => {
        await Promise.all(children.map((c) => c.kill('SIGKILL')));
        await Promise.all(workers.map((w) => w.close()));
        await Promise.all([a.stopApi(), b.stopApi()]);
        await Promise.all([removeQueues(envA.QUEUE_PREFIX), removeQueues(envB.QUEUE_PREFIX)]);
      },
    };
  } catch (err) {
    await Promise.all([apiA.close(), apiB?.close()]);
    throw err;
  }
}

/** An organisation made on one node by the factories, and its country. */
type NodeOrganisation = { org: { id: string; name: string }; country: string };

/**
 * Registers each node's organisation on the other as a remote organisation of its partner (the NGO each hand-over
 * goes to), A's first. Answers the id B's organisation has on A, which referrals and restitution moves on A name.
 */
export async function registerEachOther(nodes: TwoNodes, onA: NodeOrganisation, onB: NodeOrganisation): Promise<string> {
  const register = async (node: TestNode, remote: NodeOrganisation): Promise<string> => {
    const res = await node.api.http.post(
      `/api/v1/federation/partners/${node.partnerId}/organisations`,
      { remoteOrganisationId: remote.org.id, name: remote.org.name, country: remote.country, type: 'ngo' },
      node.admin.token,
    );
    if (res.status !== 201) throw new Error(`registering ${remote.country} on ${node.name} answered ${res.status} ${res.text}`);
    return (res.body as { id: string }).id;
  };
  const bOnA = await register(nodes.a, onB);
  await register(nodes.b, onA);
  return bOnA;
}
