/**
 * The drill's processes and dependencies: two API and two worker processes started the way production starts them
 * (scripts/start.sh), and the moves the scenarios make on PostgreSQL, its replica and the Redis Cluster. Loopback only.
 */
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What src/worker.ts logs once its relay and processors run. */
const WORKER_STARTED = 'worker started: outbox relay and queue processors running';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DrillEnv {
  root: string;
  dir: string;
  logs: string;
  pgDir: string;
  pgBin: string;
  pgPort: number;
  redisPort: number;
  apiPorts: number[];
  replica: boolean;
  replicaPort: number;
  cluster: boolean;
  clusterDir: string;
  clusterFirstPort: number;
}

export function drillEnv(): DrillEnv {
  const need = (name: string): string => {
    const v = process.env[name];
    if (!v) throw new Error(`${name} is not set: run the drill with npm run drill`);
    return v;
  };
  const dir = need('DRILL_DIR');
  return {
    root: need('DRILL_ROOT'),
    dir,
    logs: join(dir, 'logs'),
    pgDir: readFileSync(join(dir, 'pg-dir'), 'utf8').trim(),
    pgBin: need('PG_BIN'),
    pgPort: Number(need('PGPORT_LOCAL')),
    redisPort: Number(need('DRILL_REDIS_PORT')),
    apiPorts: need('DRILL_API_PORTS').split(',').map(Number),
    replica: process.env.DRILL_REPLICA === '1',
    replicaPort: Number(process.env.DRILL_REPLICA_PORT ?? 0),
    cluster: process.env.DRILL_REDIS_CLUSTER === '1',
    clusterDir: process.env.DRILL_CLUSTER_DIR ?? '',
    clusterFirstPort: Number(process.env.DRILL_CLUSTER_PORT ?? 0),
  };
}

export class Fleet {
  readonly apis: Array<ChildProcess | undefined> = [];
  readonly workers: Array<ChildProcess | undefined> = [];
  /** Processes that exited without the drill ending them (a crash, a refusal to start). */
  readonly unexpectedExits: string[] = [];
  private readonly ending = new Set<ChildProcess>();

  constructor(private readonly env: DrillEnv) {}

  get apiUrls(): string[] {
    return this.env.apiPorts.map((p) => `http://127.0.0.1:${p}`);
  }

  private spawnLintas(which: 'api' | 'worker', index: number, port?: number): ChildProcess {
    const log = openSync(join(this.env.logs, `${which}-${index}.log`), 'a');
    const child = spawn('bash', [join(this.env.root, 'scripts/start.sh'), which], {
      env: { ...process.env, ...(port ? { PORT: String(port) } : {}), HOST: '127.0.0.1' },
      stdio: ['ignore', log, log],
    });
    child.once('exit', (code, signal) => {
      if (!this.ending.has(child))
        this.unexpectedExits.push(`${which}-${index} exited by itself (code ${code}, signal ${signal}; see its log)`);
    });
    // scripts/drill.sh's exit trap ends whatever is still running from this list, should this process die first.
    if (child.pid) appendFileSync(join(this.env.dir, 'pids'), `${child.pid}\n`);
    return child;
  }

  async startApi(index: number): Promise<void> {
    this.apis[index] = this.spawnLintas('api', index, this.env.apiPorts[index]);
    await waitReady(`${this.apiUrls[index]}/health/ready`, 90000);
  }

  /** Starts a worker and waits for its own word that the relay and the processors run (its log line), or its exit. */
  async startWorker(index: number, timeoutMs = 90000): Promise<void> {
    const log = join(this.env.logs, `worker-${index}.log`);
    const from = existsSync(log) ? statSync(log).size : 0;
    const child = this.spawnLintas('worker', index);
    this.workers[index] = child;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`worker-${index} exited while starting: see ${log}`);
      if (readFileSync(log, 'utf8').slice(from).includes(WORKER_STARTED)) return;
      await sleep(200);
    }
    throw new Error(`worker-${index} did not start within ${timeoutMs} ms: see ${log}`);
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill9(child: ChildProcess | undefined): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once('exit', () => r()));
    this.ending.add(child);
    child.kill('SIGKILL');
    await gone;
  }

  /** SIGTERM to every process, SIGKILL to any still there after 15 s. */
  async stopAll(): Promise<void> {
    const all = [...this.apis, ...this.workers].filter((c): c is ChildProcess => !!c && c.exitCode === null && c.signalCode === null);
    const gone = all.map((c) => new Promise<void>((r) => c.once('exit', () => r())));
    for (const c of all) {
      this.ending.add(c);
      c.kill('SIGTERM');
    }
    const timer = setTimeout(() => all.forEach((c) => c.kill('SIGKILL')), 15000);
    await Promise.all(gone);
    clearTimeout(timer);
  }

  // ------------------------------------------------------------------ PostgreSQL

  /** pg_ctl as the user that owns the cluster (services.sh runs it as postgres or lintas when we are root). */
  pgCtl(args: string[], dataDir = join(this.env.pgDir, 'data')): void {
    const cmd = [join(this.env.pgBin, 'pg_ctl'), '-D', dataDir, ...args];
    if (process.getuid?.() === 0) {
      const owner = execFileSync('id', ['-nu', String(statSync(dataDir).uid)])
        .toString()
        .trim();
      execFileSync('runuser', ['-u', owner, '--', ...cmd], { cwd: '/', stdio: 'ignore' });
    } else {
      execFileSync(cmd[0], cmd.slice(1), { stdio: 'ignore' });
    }
  }

  stopPrimary(): void {
    this.pgCtl(['stop', '-m', 'fast', '-w', '-t', '60']);
  }

  /** services.sh starts the cluster again with its settings (and leaves Redis, which runs, alone). */
  startPrimary(): void {
    execFileSync(
      'bash',
      [join(this.env.root, 'scripts/services.sh'), 'start', this.env.dir, String(this.env.pgPort), String(this.env.redisPort)],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }

  restartPrimary(): void {
    this.pgCtl(['restart', '-m', 'fast', '-w', '-t', '60']);
  }

  replicaCommand(cmd: 'start' | 'stop'): void {
    const script = join(this.env.root, 'scripts/pg-replica.sh');
    const args =
      cmd === 'start'
        ? [script, 'start', this.env.dir, String(this.env.pgPort), String(this.env.replicaPort)]
        : [script, 'stop', this.env.dir];
    execFileSync('bash', args, { stdio: ['ignore', 'ignore', 'inherit'] });
  }

  // ------------------------------------------------------------------ Redis Cluster

  private redisCli(port: number, ...args: string[]): string {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 5000 }).toString();
  }

  /** The port of one primary of the cluster, and its pid. */
  clusterPrimary(): { port: number; pid: number } {
    for (let p = this.env.clusterFirstPort; p < this.env.clusterFirstPort + 6; p++) {
      try {
        if (/role:master/.test(this.redisCli(p, 'info', 'replication'))) {
          const pid = Number(/process_id:(\d+)/.exec(this.redisCli(p, 'info', 'server'))?.[1]);
          return { port: p, pid };
        }
      } catch {
        /* a node that does not answer is not a candidate */
      }
    }
    throw new Error('no Redis Cluster primary answers');
  }

  /** Waits until every answering node says cluster_state:ok and `port` is gone from the primaries. */
  async clusterFailedOver(deadPort: number, timeoutMs = 60000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const other = deadPort === this.env.clusterFirstPort ? deadPort + 1 : this.env.clusterFirstPort;
    // First the cluster's own verdict: the dead node flagged `fail` (not just `fail?`) and no longer a master with
    // slots, i.e. its replica was promoted; until then cluster_state may still say ok from before the kill.
    for (;;) {
      if (Date.now() > deadline) return false;
      try {
        const line = this.redisCli(other, 'cluster', 'nodes')
          .split('\n')
          .find((l) => l.includes(`127.0.0.1:${deadPort}@`));
        if (line && (line.split(' ')[2] ?? '').split(',').includes('fail') && !/\d+-\d+$/.test(line.trim())) break;
      } catch {
        /* ask again */
      }
      await sleep(100);
    }
    while (Date.now() < deadline) {
      let ok = true;
      for (let p = this.env.clusterFirstPort; p < this.env.clusterFirstPort + 6 && ok; p++) {
        if (p === deadPort) continue;
        try {
          ok = /cluster_state:ok/.test(this.redisCli(p, 'cluster', 'info'));
        } catch {
          ok = false;
        }
      }
      if (ok) return true;
      await sleep(250);
    }
    return false;
  }

  /**
   * Starts a killed node again: scripts/redis-cluster.sh start restarts the nodes of its folder that are not running,
   * from their nodes.conf and AOF, and waits for cluster_state:ok. Then waits until the node is a replica with its link up.
   */
  async restartClusterNode(port: number): Promise<boolean> {
    execFileSync(
      'bash',
      [join(this.env.root, 'scripts/redis-cluster.sh'), 'start', this.env.clusterDir, String(this.env.clusterFirstPort)],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const deadline = Date.now() + 60000;
    while (Date.now() < deadline) {
      try {
        const info = this.redisCli(port, 'info', 'replication');
        if (/role:slave/.test(info) && /master_link_status:up/.test(info)) return true;
      } catch {
        /* starting */
      }
      await sleep(250);
    }
    return false;
  }
}

export async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(3000) })).ok) return true;
    } catch {
      /* not yet */
    }
    await sleep(200);
  }
  throw new Error(`${url} was not ready within ${timeoutMs} ms`);
}
