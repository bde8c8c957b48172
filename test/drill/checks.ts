/**
 * What the drill checks after each scenario, against the database and the queues (never the API's word): every
 * acknowledged write is there exactly once, every approved referral was delivered exactly once, no job was lost, the
 * audit chain verifies, 5xx answers fell only inside the outage window, and the clients recovered by themselves.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import { Client } from 'pg';
import { ALL_QUEUES } from '../../src/queue/queues';
import { Answer } from './client';
import { Acks } from './load';

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query<T extends Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new Client({ connectionString: process.env.DATABASE_MIGRATION_URL, connectionTimeoutMillis: 10000 });
  await db.connect();
  try {
    return (await db.query<T>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

/** Referrals received since `at` (ms since the epoch): the positive signal that a worker is delivering. */
export async function referralsReceivedSince(at: number): Promise<number> {
  const rows = await query<{ n: string }>(`SELECT count(*)::text AS n FROM referrals WHERE received_at >= to_timestamp($1 / 1000.0)`, [at]);
  return Number(rows[0].n);
}

/** The ids a query answers compared with the acknowledged ones: each acknowledged id once, and nothing else. */
async function exactlyOnce(name: string, acked: string[], sql: string, params: unknown[]): Promise<CheckResult> {
  const rows = await query<{ id: string }>(sql, params);
  const stored = new Map<string, number>();
  for (const r of rows) stored.set(r.id, (stored.get(r.id) ?? 0) + 1);
  const ackedSet = new Set(acked);
  const missing = [...ackedSet].filter((id) => !stored.has(id)).length;
  const doubled = [...stored.values()].filter((n) => n > 1).length;
  const extra = [...stored.keys()].filter((id) => !ackedSet.has(id)).length;
  const dupAcks = acked.length - ackedSet.size;
  return {
    name: `${name}: every acknowledged write stored exactly once`,
    ok: missing === 0 && doubled === 0 && extra === 0 && dupAcks === 0,
    detail: `${ackedSet.size} acknowledged, ${rows.length} stored, ${missing} missing, ${extra} unacknowledged, ${doubled + dupAcks} doubled`,
  };
}

export async function writesExactlyOnce(acks: Acks, senderOrgId: string): Promise<CheckResult[]> {
  return [
    await exactlyOnce('cases', acks.cases, `SELECT id FROM cases WHERE owner_organisation_id = $1`, [senderOrgId]),
    await exactlyOnce('consents', acks.consents, `SELECT id FROM consents WHERE recorded_by_organisation_id = $1`, [senderOrgId]),
    await exactlyOnce('referrals', acks.referrals, `SELECT id FROM referrals WHERE sending_organisation_id = $1`, [senderOrgId]),
    await exactlyOnce(
      'restitution claims',
      acks.claims,
      `SELECT r.id FROM restitution_claims r JOIN cases c ON c.id = r.case_id WHERE c.owner_organisation_id = $1`,
      [senderOrgId],
    ),
    await exactlyOnce(
      'payments',
      acks.payments,
      `SELECT p.id FROM restitution_payments p JOIN restitution_claims r ON r.id = p.claim_id JOIN cases c ON c.id = r.case_id
        WHERE c.owner_organisation_id = $1`,
      [senderOrgId],
    ),
  ];
}

/** Each approved referral: one `sent` and one `received` transition; each accepted one: one `accepted`. */
export async function deliveredExactlyOnce(acks: Acks): Promise<CheckResult> {
  const rows = await query<{ id: string; sent: number; received: number; accepted: number }>(
    `SELECT r.id,
            count(*) FILTER (WHERE e.to_status = 'sent')::int AS sent,
            count(*) FILTER (WHERE e.to_status = 'received')::int AS received,
            count(*) FILTER (WHERE e.to_status = 'accepted')::int AS accepted
       FROM unnest($1::uuid[]) AS r(id) LEFT JOIN referral_events e ON e.referral_id = r.id AND e.kind = 'transition'
      GROUP BY r.id`,
    [acks.approved],
  );
  const accepted = new Set(acks.accepted);
  const bad = rows.filter((r) => r.sent !== 1 || r.received !== 1 || r.accepted !== (accepted.has(r.id) ? 1 : 0));
  return {
    name: 'referrals: every approved referral delivered exactly once',
    ok: bad.length === 0 && rows.length === new Set(acks.approved).size,
    detail: `${rows.length} approved, ${accepted.size} accepted, ${bad.length} with a missing or doubled sent/received/accepted event`,
  };
}

/** Outbox rows due now all processed, within the drain window (a positive signal, polled). */
export async function outboxDrained(timeoutMs: number): Promise<CheckResult> {
  const deadline = Date.now() + timeoutMs;
  const started = Date.now();
  let left: Array<{ type: string; n: number }> = [];
  while (Date.now() < deadline) {
    left = await query<{ type: string; n: number }>(
      `SELECT type, count(*)::int AS n FROM outbox_events WHERE processed_at IS NULL AND available_at <= now() GROUP BY type`,
    );
    if (left.length === 0) break;
    await sleep(500);
  }
  return {
    name: 'outbox: every due event processed',
    ok: left.length === 0,
    detail: left.length ? `left: ${left.map((l) => `${l.type} ${l.n}`).join(', ')}` : `drained in ${Date.now() - started} ms`,
  };
}

function redisConnection(): Redis | Cluster {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (nodes) {
    return new Cluster(
      nodes.split(',').map((hp) => ({ host: hp.split(':')[0], port: Number(hp.split(':')[1]) })),
      { redisOptions: { maxRetriesPerRequest: null } },
    );
  }
  return new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: null });
}

/**
 * BullMQ: nothing waiting, active, retrying or overdue after the drain window;
 * no job failed since `since`, except a scheduler's run (attempts 1: the next run does its work) that failed while the
 * dependency was down, which is named as explained.
 */
export async function queuesDrained(
  timeoutMs: number,
  since: number,
  window: { downFrom: number; downUntil: number } | undefined,
  graceMs: number,
): Promise<CheckResult[]> {
  const connection = redisConnection();
  const prefix = process.env.QUEUE_PREFIX ?? (process.env.REDIS_CLUSTER_NODES ? '{lintas}' : 'lintas');
  const queues = ALL_QUEUES.map((name) => new Queue(name, { connection, prefix }));
  try {
    const deadline = Date.now() + timeoutMs;
    const started = Date.now();
    let pending: string[] = [];
    while (Date.now() < deadline) {
      pending = [];
      for (const q of queues) {
        const c = await q.getJobCounts('waiting', 'active', 'prioritized', 'waiting-children');
        // Delayed on purpose (a deadline days away, a scheduler's next run) is not pending; a retry after a failure is,
        // and so is a delayed job whose time has come and gone.
        const retrying = (await q.getDelayed(0, 5000)).filter(
          (j) => !j.repeatJobKey && (j.attemptsMade > 0 || j.timestamp + (j.delay ?? 0) < Date.now() - 5000),
        ).length;
        const n = Object.values(c).reduce((a, b) => a + b, 0) + retrying;
        if (n > 0) pending.push(`${q.name} ${n}`);
      }
      if (pending.length === 0) break;
      await sleep(500);
    }
    const failed: string[] = [];
    const explained: string[] = [];
    for (const q of queues) {
      for (const job of await q.getFailed(0, 1000)) {
        if ((job.finishedOn ?? 0) < since) continue;
        const what = `${q.name}/${job.name}: ${(job.failedReason ?? '').slice(0, 60)}`;
        const inWindow = !!window && (job.finishedOn ?? 0) >= window.downFrom && (job.finishedOn ?? 0) <= window.downUntil + graceMs;
        (job.repeatJobKey && inWindow ? explained : failed).push(what);
      }
    }
    const tally = (xs: string[]) => {
      const m = new Map<string, number>();
      for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
      return [...m.entries()].map(([x, n]) => `${x} ×${n}`).join('; ');
    };
    return [
      {
        name: 'queues: nothing left waiting, active or retrying',
        ok: pending.length === 0,
        detail: pending.length ? `left: ${pending.join(', ')}` : `empty after ${Date.now() - started} ms`,
      },
      {
        name: 'queues: no job failed (a scheduler run failed during the outage is explained)',
        ok: failed.length === 0,
        detail: `${failed.length ? `failed: ${tally(failed)}` : 'none failed'}${explained.length ? `; explained: ${tally(explained)}` : ''}`,
      },
    ];
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    connection.disconnect();
  }
}

/** npm run audit:verify, as an operator runs it. */
export function auditVerifies(root: string): CheckResult {
  const run = spawnSync(process.execPath, [join(root, 'dist/src/cli/audit-verify.js')], {
    env: process.env,
    encoding: 'utf8',
    timeout: 300000,
  });
  let summary = '';
  try {
    const report = JSON.parse(run.stdout) as { events?: number; valid?: boolean; [k: string]: unknown };
    summary = Object.entries(report)
      .filter(([, v]) => typeof v !== 'object')
      .map(([k, v]) => `${k}=${String(v)}`)
      .join(' ');
  } catch {
    summary = (run.stderr || run.stdout || '').trim().split('\n').slice(-1)[0] ?? '';
  }
  return {
    name: 'audit chain verifies (npm run audit:verify)',
    ok: run.status === 0,
    detail: `exit ${run.status}; ${summary}`.slice(0, 300),
  };
}

/**
 * 5xx (and refused connections) only inside [downFrom, downUntil + grace]; after that every API process answered 2xx
 * again without being restarted.
 */
export function errorsOnlyInWindow(
  answers: Answer[],
  from: number,
  to: number,
  window: { downFrom: number; downUntil: number } | undefined,
  graceMs: number,
  apiCount: number,
): CheckResult[] {
  const mine = answers.filter((a) => a.at >= from && a.at <= to);
  const bad = mine.filter((a) => a.status === 0 || a.status >= 500);
  const inWindow = (a: Answer) => !!window && a.at >= window.downFrom && a.at <= window.downUntil + graceMs;
  const outside = bad.filter((a) => !inWindow(a));
  const byStatus = new Map<number, number>();
  for (const a of bad) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
  const statuses = [...byStatus.entries()].map(([s, n]) => `${s === 0 ? 'no answer' : s}×${n}`).join(', ') || 'none';
  const after = window ? window.downUntil + graceMs : from;
  const recovered = Array.from({ length: apiCount }, (_, i) =>
    mine.some((a) => a.api === i && a.at > after && a.status >= 200 && a.status < 300),
  );
  const windowText = window
    ? `outage ${((window.downUntil - window.downFrom) / 1000).toFixed(1)} s + ${graceMs / 1000} s grace`
    : 'no outage';
  const first5xx = bad.length ? Math.min(...bad.map((a) => a.at)) : 0;
  const last5xx = bad.length ? Math.max(...bad.map((a) => a.at)) : 0;
  const span =
    bad.length && window
      ? `; first ${((first5xx - window.downFrom) / 1000).toFixed(1)} s, last ${((last5xx - window.downFrom) / 1000).toFixed(1)} s after it began`
      : '';
  const codes = new Map<string, number>();
  for (const a of bad)
    codes.set(`${a.status || 'none'} ${a.code ?? ''}`.trim(), (codes.get(`${a.status || 'none'} ${a.code ?? ''}`.trim()) ?? 0) + 1);
  const uncoded = bad.filter((a) => !(a.status === 503 && a.code === 'SERVICE_UNAVAILABLE'));
  return [
    {
      name: 'while it was down: coded 503 SERVICE_UNAVAILABLE only (no 500, no dropped connection)',
      ok: uncoded.length === 0,
      detail: [...codes.entries()].map(([c, n]) => `${c} ×${n}`).join(', ') || 'no 5xx at all',
    },
    {
      name: '5xx/no-answer only while the dependency was down',
      ok: outside.length === 0,
      detail: `${mine.length} answers; 5xx/none: ${statuses}; ${outside.length} outside the window (${windowText})${span}`,
    },
    {
      name: 'clients recovered by themselves (2xx from every API process after it)',
      ok: recovered.every(Boolean),
      detail: recovered.map((ok, i) => `api-${i} ${ok ? '2xx' : 'none'}`).join(', '),
    },
  ];
}

export function storiesEnded(failures: string[], ended: boolean): CheckResult {
  return {
    name: 'load: every story acknowledged end to end (no client gave up)',
    ok: failures.length === 0 && ended,
    detail: ended
      ? `${failures.length} failed${failures.length ? ': ' + [...new Set(failures)].slice(0, 3).join('; ') : ''}`
      : 'stories still running after the wait',
  };
}
