/**
 * Two Lintas deployments in one jest process, as two partner countries would run them: separate databases
 * (DATABASE_URL and DATABASE_URL_B, both migrated by `npm test`), separate Ed25519 node keys, separate queue prefixes
 * and key folders, separate loopback ports, registered as partners of each other through the real partner API (each
 * fetches the other's keys from /federation/v1/keys). Node ids are unique per call, so specs sharing the databases
 * never collide.
 */
import { INestApplicationContext } from '@nestjs/common';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { join, resolve } from 'node:path';
import { startApi, startWorker, TestApi } from './app';
import { platformAdmin, TestUser } from './factories';

export interface TestNode {
  name: 'A' | 'B';
  api: TestApi;
  nodeId: string;
  admin: TestUser;
  /** The partner record of the other node, as registered on this one. */
  partnerId: string;
  /** The environment this node was started with; start its worker with the same. */
  env: Record<string, string>;
  startWorker(): Promise<INestApplicationContext>;
}

export interface TwoNodes {
  a: TestNode;
  b: TestNode;
  close(): Promise<void>;
}

export function requireSecondDatabase(): { url: string; migrationUrl: string } {
  const url = process.env.DATABASE_URL_B;
  const migrationUrl = process.env.DATABASE_MIGRATION_URL_B;
  if (!url || !migrationUrl) throw new Error('Two-node specs need DATABASE_URL_B and DATABASE_MIGRATION_URL_B: run them through `npm test`');
  return { url, migrationUrl };
}

const ed25519Pem = (): string => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

export async function startTwoNodes(): Promise<TwoNodes> {
  const second = requireSecondDatabase();
  const run = randomUUID().slice(0, 8);
  const localDir = resolve(process.env.LINTAS_LOCAL_DIR ?? '.local');
  const common = { FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'loopback' };
  const envA: Record<string, string> = {
    ...common,
    FEDERATION_NODE_ID: `lintas-a-${run}`,
    NODE_SIGNING_KEY: ed25519Pem(),
    QUEUE_PREFIX: `lintas-a-${run}`,
    LINTAS_LOCAL_DIR: join(localDir, 'node-a'),
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
  try {
    apiB = await startApi(envB);
    const [adminA, adminB] = await Promise.all([platformAdmin(apiA), platformAdmin(apiB)]);
    const register = async (on: TestApi, admin: TestUser, other: TestApi, otherEnv: Record<string, string>, name: string) => {
      // No keys given: the partner's JWKS is fetched from its base URL, over the outbound address guard.
      const res = await on.http.post('/api/v1/federation/partners', { nodeId: otherEnv.FEDERATION_NODE_ID, name, baseUrl: other.http.baseUrl }, admin.token);
      if (res.status !== 201) throw new Error(`partner registration failed: ${res.status} ${res.text}`);
      return res.body.id as string;
    };
    const [partnerOfA, partnerOfB] = await Promise.all([
      register(apiA, adminA, apiB, envB, `Lintas B ${run}`),
      register(apiB, adminB, apiA, envA, `Lintas A ${run}`),
    ]);
    const node = (name: 'A' | 'B', api: TestApi, env: Record<string, string>, admin: TestUser, partnerId: string): TestNode => ({
      name,
      api,
      nodeId: env.FEDERATION_NODE_ID,
      admin,
      partnerId,
      env,
      startWorker: () => startWorker(env),
    });
    const b = apiB;
    return {
      a: node('A', apiA, envA, adminA, partnerOfA),
      b: node('B', b, envB, adminB, partnerOfB),
      close: async () => {
        await Promise.all([apiA.close(), b.close()]);
      },
    };
  } catch (err) {
    await Promise.all([apiA.close(), apiB?.close()]);
    throw err;
  }
}
