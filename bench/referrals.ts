/**
 * Referral delivery in the benchmark runner (issue 7): two scenarios on one seeded size, both reading their figures back
 * from PostgreSQL.
 *
 * A "local delivery" is a referral whose receiving organisation lives on this deployment (`organisations.node = 'local'`):
 * approval writes the outbox row `referrals.deliver`; the worker's relay moves it to BullMQ, the referral processor
 * re-checks consent and records approved → sent → received in one transaction with the outbox row's processed mark
 * (docs/referrals.md, "Delivery").
 *
 * Preparation: referrals waiting for approval (status `submitted`) from the bench's organisation 0 to organisation 1 (another
 * country, so cross-border: a supervisor approves), over the cases the bench caseworker may open. They are written in SQL,
 * as exactly the rows `POST /referrals` and `POST /referrals/{id}/submit` write (referral, two history rows, two audit
 * events, the awaiting-approval alert), with the consent ids the product's own evaluator answers. The consents that cover
 * them (one per case, permitting organisation 1 for cross-border referral) are seed data, written once, like seed.ts's.
 *
 * 1. Latency: approvals through the real API by the sending organisation's supervisor at a fixed rate for a bounded time,
 *    with the worker running; then, per referral, history `approved` occurred_at → history `received` occurred_at.
 * 2. Throughput: the worker stopped, N referrals approved through the API (their deliveries wait in the outbox), then one
 *    worker process started; deliveries/s from the first to the last `received_at`. The figure includes the whole chain
 *    after approval: outbox relay → BullMQ → job → the delivery transaction (and the audit sealer running in the same process).
 *
 *   node dist-bench/bench/referrals.js [cases]      (env as bench/run.sh sets it; starts its own API and worker;
 *                                                   BENCH_DIST=<another build's dist/> measures that build instead)
 */
import 'reflect-metadata';
import { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { ConsentPurpose, DataCategory } from '../src/common/vocabulary';
import { EvaluatedConsent, evaluateCategories, evaluateConsent } from '../src/consent/consent-evaluator';
import { QUEUES } from '../src/queue/queues';
import { REFERRAL_JOBS } from '../src/referrals/jobs/referral.jobs';
import { startLintas } from './lib';
import { BENCH_PASSWORD, benchCaseworkerEmail, CASEWORKERS_PER_ORGANISATION } from './seed';

const PURPOSE: ConsentPurpose = 'cross_border_referral';
const CATEGORIES: DataCategory[] = ['exploitation', 'immigration', 'legal'];
const REASON = 'Bench referral: reintegration support in the home country';
export const LATENCY_TARGET_P95_MS = 300;
export const THROUGHPUT_TARGET_PER_SECOND = 500;

/** The supervisor of the bench's organisation 0 (the last staff member of each organisation is its supervisor). */
export const benchSupervisorEmail = (cases: number): string =>
  `bench-cw-0-${CASEWORKERS_PER_ORGANISATION - 1}@c${cases}.bench.lintas.example`;

interface Sides {
  senderOrgId: string;
  senderCountry: string;
  receiverOrgId: string;
  receiverCountry: string;
  caseworkerId: string;
}

export interface ReferralLatencyResult {
  kind: 'referral-latency';
  approvalsPerSecond: number;
  seconds: number;
  approved: number;
  /** Approvals that did not answer 200 (network error or status); not counted anywhere else. */
  approveErrors: number;
  delivered: number;
  failed: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  /** Client-side time of POST /approve (it includes the consent check at approval). */
  approveRequestP50Ms: number;
  approveRequestP95Ms: number;
  /** The 1-minute load average when the approvals started. */
  loadAverageAtStart: number;
  target: string;
  verdict: string;
}

export interface ReferralThroughputResult {
  kind: 'referral-throughput';
  pending: number;
  delivered: number;
  failed: number;
  /** (delivered − 1) / (last received_at − first received_at). */
  deliveriesPerSecond: number;
  /** From the worker's spawn to the first received_at (process start, Nest boot, relay's first batch). */
  firstDeliveryAfterStartMs: number;
  /** While the N approvals ran (16 at a time, worker stopped): the API's and PostgreSQL's CPU time per approval. */
  apiCpuMsPerApproval: number | null;
  postgresCpuMsPerApproval: number | null;
  /** CPU time of the worker process per delivery (user + system, boot excluded). */
  workerCpuMsPerDelivery: number | null;
  /** CPU time of the whole PostgreSQL cluster per delivery over the same window (nothing else uses it meanwhile). */
  postgresCpuMsPerDelivery: number | null;
  /**
   * When the server loads pg_stat_statements (LINTAS_PG_EXTRA_OPTS) and DATABASE_ADMIN_URL is set: the statements of the
   * delivery window (reset when the worker starts), calls and milliseconds per delivery, the costliest first.
   */
  statementsPerDelivery?: Array<{ calls: number; ms: number; query: string }>;
  /**
   * Derived, not measured: 1000 / workerCpuMsPerDelivery, the rate at which one worker would run out of CPU on a core of
   * its own if PostgreSQL kept up. Shown beside the measured rate because this machine's cores are shared.
   */
  workerCoreBoundPerSecond: number | null;
  /** The 1-minute load average when the worker started (2 cores: above 2, other processes wait for CPU too). */
  loadAverageAtStart: number;
  /** From the worker's spawn to the last received_at. */
  wallSeconds: number;
  workerConcurrency: number;
  includes: string;
  target: string;
  verdict: string;
}

const percentile = (sorted: number[], p: number): number =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- preparation (SQL, owner connection)

async function sidesOf(db: Client, cases: number): Promise<Sides> {
  const orgs = await db.query<{ id: string; country: string; name: string }>(
    `SELECT id, country, name FROM organisations WHERE name IN ($1, $2) AND node = 'local'`,
    [`Bench shelter 0 (c${cases})`, `Bench shelter 1 (c${cases})`],
  );
  const sender = orgs.rows.find((o) => o.name.startsWith('Bench shelter 0 '));
  let receiver = orgs.rows.find((o) => o.name.startsWith('Bench shelter 1 '));
  if (!sender) throw new Error(`no bench organisation 0 for ${cases} cases: seed first`);
  if (!receiver) {
    // A size with one organisation only: a receiving shelter in another country, as an org admin would register it.
    const name = `Bench receiving shelter (c${cases})`;
    const row = await db.query<{ id: string; country: string; name: string }>(
      `INSERT INTO organisations (name, name_key, country, type) VALUES ($1::text, lower($1::text), 'KH', 'ngo')
       ON CONFLICT (country, name_key) DO UPDATE SET name = EXCLUDED.name RETURNING id, country, name`,
      [name],
    );
    receiver = row.rows[0];
  }
  const cw = await db.query<{ id: string }>(`SELECT id FROM users WHERE email = $1`, [benchCaseworkerEmail(cases)]);
  return {
    senderOrgId: sender.id,
    senderCountry: sender.country,
    receiverOrgId: receiver.id,
    receiverCountry: receiver.country,
    caseworkerId: cw.rows[0].id,
  };
}

/**
 * Once per seeded size: a consent on each case the bench caseworker may open (not closed, not danger-flagged unless
 * assigned to them) permitting organisation 1 to receive the bench categories for cross-border referral.
 */
async function ensureConsents(db: Client, s: Sides): Promise<string[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_referral_cases (case_id uuid PRIMARY KEY, receiving_organisation_id uuid NOT NULL)`);
  const have = await db.query<{ case_id: string }>(`SELECT case_id FROM bench_referral_cases WHERE receiving_organisation_id = $1`, [
    s.receiverOrgId,
  ]);
  if (have.rows.length > 0) return have.rows.map((r) => r.case_id);
  await db.query('BEGIN');
  try {
    const rows = await db.query<{ case_id: string }>(
      `WITH eligible AS (
         SELECT id, minor, languages FROM cases
          WHERE owner_organisation_id = $1 AND status NOT IN ('closed', 'closed_referred')
            AND (danger_flag = false OR assigned_caseworker_id = $2)),
       c AS (
         INSERT INTO consents (case_id, given_by, method, language, interpreter_used, recorded_by_user_id, recorded_by_organisation_id)
         SELECT id, CASE WHEN minor THEN 'guardian' ELSE 'self' END::consent_given_by, 'written', COALESCE(languages[1], 'eng'), true, $2, $1
           FROM eligible RETURNING id, case_id),
       p AS (
         INSERT INTO consent_provisions (consent_id, position, effect, recipient_organisation_id, recipient_country, purposes, data_categories, valid_from, valid_until)
         SELECT id, 0, 'permit', $3, NULL, ARRAY[$4]::consent_purpose[], $5::consent_data_category[], now() - interval '1 day', now() + interval '2 years' FROM c)
       INSERT INTO bench_referral_cases (case_id, receiving_organisation_id) SELECT case_id, $3 FROM c RETURNING case_id`,
      [s.senderOrgId, s.caseworkerId, s.receiverOrgId, PURPOSE, `{${CATEGORIES.join(',')}}`],
    );
    await db.query('COMMIT');
    return rows.rows.map((r) => r.case_id);
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** Every consent of the cases, in ConsentService.forCase's order and shape (withdrawn ones included). */
async function consentsOf(db: Client, caseIds: string[]): Promise<Map<string, EvaluatedConsent[]>> {
  const rows = await db.query(
    `SELECT c.id, c.case_id, c.status, c.withdrawn_at, p.effect, p.recipient_organisation_id, p.recipient_country,
            p.purposes::text[] AS purposes, p.data_categories::text[] AS data_categories, p.valid_from, p.valid_until
       FROM consents c LEFT JOIN consent_provisions p ON p.consent_id = c.id
       JOIN unnest($1::uuid[]) AS t(case_id) ON t.case_id = c.case_id
      ORDER BY c.created_at, c.id, p.position`,
    [caseIds],
  );
  const byCase = new Map<string, EvaluatedConsent[]>();
  for (const r of rows.rows) {
    const list = byCase.get(r.case_id) ?? [];
    let consent = list[list.length - 1] as (EvaluatedConsent & { provisions: EvaluatedConsent['provisions'][number][] }) | undefined;
    if (!consent || consent.id !== r.id) {
      consent = { id: r.id, status: r.status, withdrawnAt: r.withdrawn_at, provisions: [] };
      list.push(consent);
      byCase.set(r.case_id, list);
    }
    if (r.effect) {
      consent.provisions.push({
        effect: r.effect,
        recipientOrganisationId: r.recipient_organisation_id,
        recipientCountry: r.recipient_country,
        purposes: r.purposes,
        dataCategories: r.data_categories,
        validFrom: r.valid_from,
        validUntil: r.valid_until,
      });
    }
  }
  return byCase;
}

/**
 * `count` referrals in status submitted, written as the API writes them: ReferralsService.create (referral row in draft,
 * history row, audit `referral.create`) then act('submit') (status and version, history row, audit `referral.submitted`,
 * the `referral_awaiting_approval` alert for supervisors since it is cross-border). Answers their ids.
 */
export async function prepareSubmitted(db: Client, cases: number, count: number): Promise<Batch> {
  const s = await sidesOf(db, cases);
  const caseIds = await ensureConsents(db, s);
  if (caseIds.length === 0) throw new Error('no case the bench caseworker may refer');
  const consents = await consentsOf(db, caseIds);
  const at = new Date();
  const permitted: Array<{ caseId: string; consentIds: string[] }> = [];
  for (const caseId of caseIds) {
    const all = consents.get(caseId) ?? [];
    const question = { recipientOrganisationId: s.receiverOrgId, recipientCountry: s.receiverCountry, purpose: PURPOSE, at };
    const decision = evaluateCategories(all, { ...question, categories: CATEGORIES });
    if (decision.refused.length > 0) continue; // a seeded deny provision for that country: the API would refuse it too
    const ids = new Set<string>();
    for (const category of decision.permitted) {
      const answer = evaluateConsent(all, { ...question, category });
      if (answer.consentId) ids.add(answer.consentId);
    }
    permitted.push({ caseId, consentIds: [...ids].sort() });
  }
  if (permitted.length === 0) throw new Error('consent covers no bench case');
  const crossBorder = s.senderCountry !== s.receiverCountry;
  const start = Math.floor(Math.random() * permitted.length);
  const out: string[] = [];
  let createdFrom: Date | undefined;
  for (let from = 0; from < count; from += 1000) {
    const n = Math.min(1000, count - from);
    const r = {
      id: [] as string[],
      caseId: [] as string[],
      consentIds: [] as string[],
      corrCreate: [] as string[],
      corrSubmit: [] as string[],
    };
    for (let i = 0; i < n; i++) {
      const p = permitted[(start + from + i) % permitted.length];
      r.id.push(randomUUID());
      r.caseId.push(p.caseId);
      r.consentIds.push(JSON.stringify(p.consentIds));
      r.corrCreate.push(randomUUID());
      r.corrSubmit.push(randomUUID());
    }
    await db.query('BEGIN');
    try {
      // created_at is the transaction's now(): every referral of this batch was created at or after the first one's.
      createdFrom ??= (await db.query<{ now: Date }>('SELECT now()')).rows[0].now;
      await db.query(
        `WITH t AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[]) AS t(id, case_id, consent_ids, corr_create, corr_submit)),
         ref AS (
           INSERT INTO referrals (id, case_id, sending_organisation_id, receiving_organisation_id, responsible_user_id, purpose,
             data_categories, reason, cross_border, transfer_ownership, claims_on_transfer, status, version, consent_ids)
           SELECT id, case_id, $6, $7, $8, $9::consent_purpose, $10::consent_data_category[], $11, $12, false, 'stay_with_original',
             'submitted', 2, ARRAY(SELECT jsonb_array_elements_text(consent_ids::jsonb))::uuid[] FROM t),
         ev AS (
           INSERT INTO referral_events (referral_id, kind, from_status, to_status, actor_kind, actor_user_id, actor_organisation_id, reason, note, details, occurred_at)
           SELECT id, 'transition'::referral_event_kind, NULL::referral_status, 'draft'::referral_status, 'user'::referral_actor_kind, $8::uuid, $6::uuid,
             $11::text, NULL::text, jsonb_build_object('consentIds', consent_ids::jsonb), now() FROM t
           UNION ALL
           SELECT id, 'transition', 'draft', 'submitted', 'user', $8, $6, NULL, NULL, NULL, now() FROM t),
         au AS (
           INSERT INTO audit_events (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
           SELECT $8, $6, 'caseworker', 'referral.create', 'referral', id::text, $9, corr_create,
             jsonb_build_object('caseId', case_id, 'receivingOrganisationId', $7::uuid, 'dataCategories', to_jsonb($10::text[]), 'consentIds', consent_ids::jsonb) FROM t
           UNION ALL
           SELECT $8, $6, 'caseworker', 'referral.submitted', 'referral', id::text, $9, corr_submit,
             jsonb_build_object('caseId', case_id, 'from', 'draft', 'to', 'submitted') FROM t)
         INSERT INTO alerts (organisation_id, type, severity, status, audience, record_type, record_id, case_id, dedupe_key)
         SELECT $6, 'referral_awaiting_approval', 'info', 'open', $13::alert_audience, 'referral', id, case_id, 'referral_awaiting_approval:referral:' || id FROM t`,
        [
          r.id,
          r.caseId,
          r.consentIds,
          r.corrCreate,
          r.corrSubmit,
          s.senderOrgId,
          s.receiverOrgId,
          s.caseworkerId,
          PURPOSE,
          `{${CATEGORIES.join(',')}}`,
          REASON,
          crossBorder,
          crossBorder ? 'supervisors' : 'organisation',
        ],
      );
      await db.query('COMMIT');
    } catch (err) {
      await db.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
    out.push(...r.id);
  }
  return { ids: out, senderOrgId: s.senderOrgId, createdFrom: createdFrom! };
}

/** Referrals prepared together: their ids, and how to find them by index (the sender's, from their creation on). */
export interface Batch {
  ids: string[];
  senderOrgId: string;
  createdFrom: Date;
}

// ---------------------------------------------------------------- HTTP

/** POST /approve; answers the request's time in ms. */
async function approve(api: string, token: string, id: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${api}/api/v1/referrals/${id}/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
  });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`approve → ${res.status} ${body.slice(0, 300)}`);
  return performance.now() - t0;
}

async function login(api: string, email: string): Promise<string> {
  const res = await fetch(`${api}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: BENCH_PASSWORD }),
  });
  if (res.status >= 300) throw new Error(`login → ${res.status}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

type CpuSample = { received: number; cpu: number; db: number };
const perDelivery = (a: CpuSample | undefined, b: CpuSample | undefined, key: 'cpu' | 'db'): number | null =>
  a && b && b.received > a.received && Number.isFinite(b[key] - a[key])
    ? Math.round(((b[key] - a[key]) / (b.received - a.received)) * 100) / 100
    : null;

/** CPU time (user + system) a process has used so far, in ms (Linux /proc). */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

/**
 * CPU time used so far by the bench's PostgreSQL (the postmaster and every child, live or exited: backends, WAL writer,
 * checkpointer), in ms; NaN when the cluster's folder is not known (LINTAS_LOCAL_DIR/pg-dir, written by scripts/services.sh).
 */
function postgresCpuMs(): number {
  try {
    const pgDir = readFileSync(join(process.env.LINTAS_LOCAL_DIR ?? '', 'pg-dir'), 'utf8').trim();
    const postmaster = readFileSync(join(pgDir, 'data', 'postmaster.pid'), 'utf8')
      .split('\n')[0]
      .trim();
    // The postmaster's own time plus what its exited children used (cutime, cstime), then the live children's.
    const own = readFileSync(`/proc/${postmaster}/stat`, 'utf8').split(') ')[1].split(' ');
    let total = ((Number(own[11]) + Number(own[12]) + Number(own[13]) + Number(own[14])) * 1000) / 100;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
        if (fields[1] === postmaster) total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      } catch {
        /* gone meanwhile */
      }
    }
    return total;
  } catch {
    return NaN;
  }
}

/**
 * Waits (polling, bounded) until every referral has left approved; answers how many were received and failed. `onPoll`
 * sees the received count after each poll.
 */
async function waitDelivered(
  db: Client,
  batch: Batch,
  timeoutMs: number,
  onPoll?: (received: number) => void,
  everyMs = 200,
): Promise<{ received: number; failed: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // By the sender's index (ix_referrals_sending), not by a list of ids: the poll must not load the database it measures.
    const r = await db.query<{ received: string; failed: string; open: string }>(
      `SELECT count(*) FILTER (WHERE status = 'received') AS received, count(*) FILTER (WHERE status = 'failed') AS failed,
              count(*) FILTER (WHERE status IN ('approved', 'sent')) AS open
         FROM referrals WHERE sending_organisation_id = $1 AND created_at >= $2`,
      [batch.senderOrgId, batch.createdFrom],
    );
    const row = r.rows[0];
    onPoll?.(Number(row.received));
    if (Number(row.open) === 0 || Date.now() > deadline) return { received: Number(row.received), failed: Number(row.failed) };
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------- scenarios

/** Approvals at `perSecond` for `seconds` with the worker running; approval → received from the history rows. */
export async function latencyScenario(opts: {
  api: string;
  db: Client;
  cases: number;
  perSecond: number;
  seconds: number;
}): Promise<ReferralLatencyResult> {
  const { api, db, cases, perSecond, seconds } = opts;
  const batch = await prepareSubmitted(db, cases, perSecond * seconds);
  const ids = [...batch.ids];
  const token = await login(api, benchSupervisorEmail(cases));
  await approve(api, token, ids.pop()!); // warm-up, not counted
  const loadAtStart = Math.round(loadavg()[0] * 100) / 100;
  const requestMs: number[] = [];
  const approved: string[] = [];
  const errors: string[] = [];
  const inFlight: Promise<void>[] = [];
  const t0 = Date.now();
  for (let i = 0; i < ids.length; i++) {
    const wait = t0 + (i * 1000) / perSecond - Date.now();
    if (wait > 0) await sleep(wait);
    const id = ids[i];
    inFlight.push(
      approve(api, token, id).then(
        (ms) => {
          requestMs.push(ms);
          approved.push(id);
        },
        (err: Error) => {
          errors.push(`${err.message} ${String((err.cause as string | undefined) ?? '')}`.trim());
        },
      ),
    );
  }
  await Promise.all(inFlight);
  if (errors.length) process.stderr.write(`[referrals] ${errors.length} approvals failed, e.g. ${errors[0]}\n`);
  await waitDelivered(db, batch, 30_000);
  const outcome = await db.query<{ received: string; failed: string }>(
    `SELECT count(*) FILTER (WHERE status = 'received') AS received, count(*) FILTER (WHERE status = 'failed') AS failed
       FROM referrals JOIN unnest($1::uuid[]) AS t(id) USING (id)`,
    [approved],
  );
  const received = Number(outcome.rows[0].received);
  const failed = Number(outcome.rows[0].failed);
  const rows = await db.query<{ ms: string }>(
    `SELECT extract(epoch FROM (rcv.occurred_at - apr.occurred_at)) * 1000 AS ms
       FROM referral_events apr JOIN referral_events rcv ON rcv.referral_id = apr.referral_id AND rcv.to_status = 'received'
       JOIN unnest($1::uuid[]) AS t(id) ON t.id = apr.referral_id
      WHERE apr.to_status = 'approved' AND apr.kind = 'transition' AND rcv.kind = 'transition'`,
    [approved],
  );
  const ms = rows.rows.map((r) => Number(r.ms)).sort((a, b) => a - b);
  const req = requestMs.sort((a, b) => a - b);
  const p95 = Math.round(percentile(ms, 95));
  return {
    kind: 'referral-latency',
    approvalsPerSecond: perSecond,
    seconds,
    approved: approved.length,
    approveErrors: errors.length,
    delivered: received,
    failed,
    p50Ms: Math.round(percentile(ms, 50)),
    p95Ms: p95,
    maxMs: Math.round(ms[ms.length - 1] ?? NaN),
    approveRequestP50Ms: Math.round(percentile(req, 50)),
    approveRequestP95Ms: Math.round(percentile(req, 95)),
    loadAverageAtStart: loadAtStart,
    target: `p95 < ${LATENCY_TARGET_P95_MS} ms at ${perSecond} approvals/s`,
    verdict: errors.length === 0 && received === approved.length && p95 < LATENCY_TARGET_P95_MS ? 'met' : 'MISSED',
  };
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill('SIGKILL');
    await exited;
  }
}

/**
 * pg_stat_statements around the delivery window, when the server loads it: reset now; `read` gives the statements of
 * the bench database since, per delivery; `close` ends the admin connection (call it whatever happened). Undefined when
 * the extension or the admin URL is missing.
 */
async function statementProfile(
  adminUrl: string | undefined,
  appUrl: string | undefined,
): Promise<
  { read: (deliveries: number) => Promise<Array<{ calls: number; ms: number; query: string }>>; close: () => Promise<void> } | undefined
> {
  if (!adminUrl || !appUrl) return undefined;
  const url = new URL(adminUrl);
  url.pathname = new URL(appUrl).pathname;
  const admin = new Client({ connectionString: url.toString() });
  const close = () => admin.end().catch(() => undefined);
  try {
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await admin.query('SELECT pg_stat_statements_reset()');
  } catch {
    await close();
    return undefined;
  }
  const read = async (deliveries: number) => {
    const { rows } = await admin.query<{ calls: string; ms: number; query: string }>(
      `SELECT calls, total_exec_time AS ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 160) AS query
         FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        ORDER BY total_exec_time DESC LIMIT 30`,
    );
    const per = (n: number) => Math.round((n / Math.max(1, deliveries)) * 1000) / 1000;
    return rows.map((r) => ({ calls: per(Number(r.calls)), ms: per(r.ms), query: r.query }));
  };
  return { read, close };
}

/**
 * With the running worker stopped, `count` approvals through the API (concurrently), then exactly one worker process;
 * deliveries/s from the first to the last received_at. The worker is stopped again before this returns.
 */
export async function throughputScenario(opts: {
  api: string;
  db: Client;
  cases: number;
  count: number;
  worker: ChildProcess;
  workerScript: string;
  env: NodeJS.ProcessEnv;
  nodeArgs?: string[];
  /** The API process, for its CPU time per approval (optional). */
  apiPid?: number;
}): Promise<ReferralThroughputResult> {
  const { api, db, cases, count } = opts;
  await stop(opts.worker);
  let t = Date.now();
  const batch = await prepareSubmitted(db, cases, count);
  const ids = batch.ids;
  process.stderr.write(`[referrals] ${count} submitted in ${Date.now() - t} ms\n`);
  t = Date.now();
  const token = await login(api, benchSupervisorEmail(cases));
  const before = { api: cpuMs(opts.apiPid), db: postgresCpuMs() };
  let next = 0;
  let errors = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ids.length) await approve(api, token, ids[next++]).catch(() => errors++);
    }),
  );
  if (errors) process.stderr.write(`[referrals] ${errors} approvals failed\n`);
  process.stderr.write(`[referrals] ${count} approved in ${Date.now() - t} ms\n`);
  const approvedCount = count - errors;
  const perApproval = (ms: number) => (approvedCount > 0 && Number.isFinite(ms) ? Math.round((ms / approvedCount) * 100) / 100 : null);
  const approvalCpu = { api: perApproval(cpuMs(opts.apiPid) - before.api), db: perApproval(postgresCpuMs() - before.db) };
  const pending = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM referrals WHERE sending_organisation_id = $1 AND created_at >= $2 AND status = 'approved'`,
    [batch.senderOrgId, batch.createdFrom],
  );
  const loadAtStart = Math.round(loadavg()[0] * 100) / 100;
  const statements = await statementProfile(opts.env.DATABASE_ADMIN_URL, opts.env.DATABASE_URL);
  const spawnedAt = Date.now();
  // Started as production starts it (scripts/start.sh), like the runner's own API and worker.
  const worker = startLintas('worker', dirname(dirname(dirname(opts.workerScript))), opts.env, opts.nodeArgs ?? []);
  const killOnExit = () => worker.kill('SIGKILL');
  process.once('exit', killOnExit);
  let delivered: { received: number; failed: number };
  let cpuStart: { received: number; cpu: number; db: number } | undefined;
  let cpuEnd: { received: number; cpu: number; db: number } | undefined;
  try {
    // The worker's CPU per delivery, from the first poll that saw a delivery to the end (boot excluded): a figure that
    // depends less on what else the shared machine runs than deliveries/s does.
    delivered = await waitDelivered(
      db,
      batch,
      Math.max(60_000, count * 20),
      (received) => {
        if (received === 0) return;
        const now = { received, cpu: cpuMs(worker.pid), db: postgresCpuMs() };
        if (!cpuStart) cpuStart = now;
        cpuEnd = now;
      },
      500,
    );
  } catch (err) {
    await statements?.close();
    throw err;
  } finally {
    await stop(worker);
    process.off('exit', killOnExit);
  }
  let statementsPerDelivery: Array<{ calls: number; ms: number; query: string }> | undefined;
  try {
    statementsPerDelivery = await statements?.read(delivered.received);
  } finally {
    await statements?.close();
  }
  const span = await db.query<{ first: Date; last: Date }>(
    `SELECT min(received_at) AS first, max(received_at) AS last FROM referrals WHERE sending_organisation_id = $1 AND created_at >= $2 AND status = 'received'`,
    [batch.senderOrgId, batch.createdFrom],
  );
  const first = span.rows[0].first?.getTime() ?? NaN;
  const last = span.rows[0].last?.getTime() ?? NaN;
  const workerCpu = perDelivery(cpuStart, cpuEnd, 'cpu');
  const perSecond = delivered.received > 1 ? Math.round(((delivered.received - 1) * 1000) / (last - first)) : 0;
  return {
    kind: 'referral-throughput',
    pending: Number(pending.rows[0].n),
    delivered: delivered.received,
    failed: delivered.failed,
    deliveriesPerSecond: perSecond,
    firstDeliveryAfterStartMs: first - spawnedAt,
    apiCpuMsPerApproval: approvalCpu.api,
    postgresCpuMsPerApproval: approvalCpu.db,
    workerCpuMsPerDelivery: workerCpu,
    postgresCpuMsPerDelivery: perDelivery(cpuStart, cpuEnd, 'db'),
    workerCoreBoundPerSecond: workerCpu ? Math.round(1000 / workerCpu) : null,
    loadAverageAtStart: loadAtStart,
    wallSeconds: Math.round((last - spawnedAt) / 100) / 10,
    workerConcurrency: Number(opts.env.WORKER_CONCURRENCY ?? 10),
    ...(statementsPerDelivery ? { statementsPerDelivery } : {}),
    includes:
      'outbox relay → BullMQ → referrals.deliver job → delivery transaction (consent re-check, sent + received, history, audit, alert, deadline row); audit sealer in the same process',
    target: `≥ ${THROUGHPUT_TARGET_PER_SECOND} local deliveries/s per worker`,
    verdict: delivered.received === Number(pending.rows[0].n) && perSecond >= THROUGHPUT_TARGET_PER_SECOND ? 'met' : 'MISSED',
  };
}

/**
 * Both scenarios, for bench/run.ts: latency first (the worker running), then throughput, which stops `worker` and leaves
 * no worker running. Call it after every scenario that needs the worker.
 */
export async function referralDelivery(opts: {
  api: string;
  cases: number;
  seconds: number;
  worker: ChildProcess;
  workerScript: string;
  env: NodeJS.ProcessEnv;
  apiPid?: number;
}): Promise<{ latency: ReferralLatencyResult; throughput: ReferralThroughputResult }> {
  const db = new Client({ connectionString: opts.env.DATABASE_MIGRATION_URL });
  await db.connect();
  const since = (await db.query<{ now: Date }>('SELECT now()')).rows[0].now;
  try {
    const latency = await latencyScenario({ api: opts.api, db, cases: opts.cases, perSecond: 50, seconds: opts.seconds });
    const count = Number(process.env.BENCH_REFERRAL_DELIVERIES ?? 4000);
    // BENCH_CPU_PROF profiles the worker of the throughput scenario too (node --cpu-prof).
    const nodeArgs = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const throughput = await throughputScenario({ ...opts, db, count, nodeArgs });
    return { latency, throughput };
  } finally {
    await retireDeadlines(db, opts.env, opts.cases, since).catch((err: Error) =>
      process.stderr.write(`[referrals] retiring deadline checks failed: ${err.message}\n`),
    );
    await db.end();
  }
}

/**
 * After measuring: the acceptance-deadline checks of this run's referrals (outbox rows due in REFERRAL_ACCEPTANCE_HOURS,
 * delayed jobs in Redis) are marked processed and their jobs removed, so that a later run on the kept database does not
 * inherit thousands of due checks and measure them instead of what it means to.
 */
async function retireDeadlines(db: Client, env: NodeJS.ProcessEnv, cases: number, since: Date): Promise<void> {
  const s = await sidesOf(db, cases);
  const rows = await db.query<{ id: string }>(
    `UPDATE outbox_events o SET processed_at = now(), dispatched_at = coalesce(o.dispatched_at, now())
       FROM referrals r
      WHERE r.sending_organisation_id = $1 AND r.created_at >= $2
        AND o.type = $3 AND o.processed_at IS NULL AND o.payload->>'referralId' = r.id::text
     RETURNING o.id`,
    [s.senderOrgId, since, REFERRAL_JOBS.deadline],
  );
  const queue = new Queue(QUEUES.referrals, { connection: { url: env.REDIS_URL }, prefix: env.QUEUE_PREFIX || 'lintas' });
  try {
    const ids = rows.rows.map((r) => r.id);
    for (let i = 0; i < ids.length; i += 200) await Promise.all(ids.slice(i, i + 200).map((id) => queue.remove(id)));
  } finally {
    await queue.close();
  }
}

/** A Markdown row of the scenarios table (scenario | req/s (runs) | p50 | p99 | ratio | p99 half | target | verdict). */
export function referralRow(name: string, r: ReferralLatencyResult | ReferralThroughputResult): string {
  if (r.kind === 'referral-latency') {
    const what = `${r.delivered}/${r.approved} received (${r.approvalsPerSecond}/s × ${r.seconds} s, load ${r.loadAverageAtStart}; approve request p50 ${r.approveRequestP50Ms} ms)`;
    return `| ${name} | ${what} | ${r.p50Ms} | p95 ${r.p95Ms}, max ${r.maxMs} | | | | ${r.target} | ${r.verdict} |`;
  }
  const cpu =
    `CPU per delivery: worker ${r.workerCpuMsPerDelivery ?? '?'} ms, PostgreSQL ${r.postgresCpuMsPerDelivery ?? '?'} ms; ` +
    `per approval: API ${r.apiCpuMsPerApproval ?? '?'} ms, PostgreSQL ${r.postgresCpuMsPerApproval ?? '?'} ms`;
  const what = `${r.deliveriesPerSecond} deliveries/s (${r.delivered}/${r.pending} received, 1 worker, concurrency ${r.workerConcurrency}, load ${r.loadAverageAtStart}; ${cpu})`;
  return `| ${name} | ${what} | | | | | | ${r.target} | ${r.verdict} |`;
}

export const isReferralResult = (r: unknown): r is ReferralLatencyResult | ReferralThroughputResult =>
  typeof r === 'object' && r !== null && ['referral-latency', 'referral-throughput'].includes((r as { kind?: string }).kind ?? '');

// ---------------------------------------------------------------- standalone

if (require.main === module) {
  // For iterating on the worker: the API and worker on the seeded size's database, both scenarios, JSON on stdout.
  void (async () => {
    const { seed } = await import('./seed');
    const { benchEnvironment, waitFor } = await import('./lib');
    const cases = Number(process.argv[2] ?? process.env.BENCH_CASES?.split(',')[0] ?? 10_000);
    const port = Number(process.env.BENCH_API_PORT ?? 3900);
    const root = join(__dirname, '..', '..');
    // BENCH_DIST: another build to measure with this harness (the dist/ of an earlier commit, for a before/after).
    const dist = process.env.BENCH_DIST ?? join(root, 'dist');
    const env = benchEnvironment(cases, { api: port });
    await seed(cases);
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    // As the runner starts them: through scripts/start.sh (its node options) of the build under test.
    const apiProc = startLintas('api', join(dist, '..'), env, prof);
    const workerScript = join(dist, 'src/worker.js');
    const worker = startLintas('worker', join(dist, '..'), env);
    process.once('exit', () => [apiProc, worker].forEach((p) => p.kill('SIGKILL')));
    try {
      await waitFor(`http://127.0.0.1:${port}/health/ready`);
      const seconds = Number(process.env.BENCH_SECONDS ?? 10);
      const result = await referralDelivery({
        api: `http://127.0.0.1:${port}`,
        cases,
        seconds,
        worker,
        workerScript,
        env,
        apiPid: apiProc.pid,
      });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    } finally {
      await stop(worker);
      await stop(apiProc);
    }
  })().catch((err) => {
    process.stderr.write(`referral bench failed: ${(err as Error).stack} ${String(((err as Error).cause as string | undefined) ?? '')}\n`);
    process.exit(1);
  });
}
