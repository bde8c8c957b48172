/**
 * The worker container's health check: `node dist/src/system/worker-health.js` exits 0 when the worker's heartbeat
 * (LINTAS_LOCAL_DIR/worker-heartbeat.json, see worker-heartbeat.ts) is fresh, 1 otherwise, with one line saying why.
 * It reads the same configuration as the worker (the container's environment) and opens no connection.
 */
import { AppConfig } from '../config/app-config';
import { checkHeartbeat, heartbeatFile } from './worker-heartbeat';

async function main(): Promise<void> {
  const verdict = await checkHeartbeat(heartbeatFile(AppConfig.fromEnvironment().localDir));
  process.stdout.write(`lintas worker: ${verdict.ok ? 'alive' : 'not alive'}: ${verdict.reason}\n`);
  process.exit(verdict.ok ? 0 : 1);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stdout.write(`lintas worker: not alive: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  });
}
