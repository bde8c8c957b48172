/**
 * What a seeded size occupies (rows, heap and index bytes of every table, the whole database) and the "slopes" of the
 * results file: how each per-size figure changes from one size to the next (10k → 100k → 1M), which is what the scale
 * plan (docs/scale.md) extrapolates from. Figures only from this run's measurements; a missing one stays empty.
 */
import { Client } from 'pg';

export interface TableSize {
  /** reltuples after ANALYZE (an estimate for large tables, exact enough for bytes per row). */
  rows: number;
  tableBytes: number;
  indexBytes: number;
  /** Heap + TOAST + indexes (pg_total_relation_size). */
  totalBytes: number;
}

export interface StorageRecord {
  databaseBytes: number;
  tables: Record<string, TableSize>;
}

/** The tables the scale plan talks about, in this order; every other table is summed as "other tables". */
export const KEY_TABLES = [
  'cases',
  'case_keys',
  'case_blind_indexes',
  'consents',
  'consent_provisions',
  'audit_events',
  'referrals',
  'referral_events',
  'statistics_case_facts',
  'statistics_releases',
  'outbox_events',
  'users',
  'auth_sessions',
] as const;

/** Sizes of every table in the public schema of the database at `url` (the owner role: it may ANALYZE them). */
export async function storageRecord(url: string): Promise<StorageRecord> {
  const db = new Client({ connectionString: url });
  await db.connect();
  try {
    await db.query('ANALYZE');
    const rows = await db.query<{ name: string; rows: string; table_bytes: string; index_bytes: string; total_bytes: string }>(
      `SELECT c.relname AS name, greatest(c.reltuples, 0)::bigint::text AS rows,
              (pg_total_relation_size(c.oid) - pg_indexes_size(c.oid))::text AS table_bytes,
              pg_indexes_size(c.oid)::text AS index_bytes, pg_total_relation_size(c.oid)::text AS total_bytes
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
        ORDER BY pg_total_relation_size(c.oid) DESC`,
    );
    const size = await db.query<{ bytes: string }>(`SELECT pg_database_size(current_database())::text AS bytes`);
    const tables: Record<string, TableSize> = {};
    for (const r of rows.rows) {
      tables[r.name] = {
        rows: Number(r.rows),
        tableBytes: Number(r.table_bytes),
        indexBytes: Number(r.index_bytes),
        totalBytes: Number(r.total_bytes),
      };
    }
    return { databaseBytes: Number(size.rows[0].bytes), tables };
  } finally {
    await db.end();
  }
}

const mb = (bytes: number): string => (bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 2 : 0);

/** The per-size storage table of the results file. */
export function storageMarkdown(storage: StorageRecord | undefined): string[] {
  if (!storage) return [];
  const lines = [
    `Storage after the seed (before this run's load), database ${mb(storage.databaseBytes)} MB:`,
    '',
    '| table | rows | heap MB | index MB | total MB | bytes per row |',
    '|---|---|---|---|---|---|',
  ];
  const other: TableSize = { rows: 0, tableBytes: 0, indexBytes: 0, totalBytes: 0 };
  for (const [name, t] of Object.entries(storage.tables)) {
    if ((KEY_TABLES as readonly string[]).includes(name)) continue;
    other.rows += t.rows;
    other.tableBytes += t.tableBytes;
    other.indexBytes += t.indexBytes;
    other.totalBytes += t.totalBytes;
  }
  const row = (name: string, t: TableSize) =>
    lines.push(
      `| ${name} | ${t.rows.toLocaleString('en')} | ${mb(t.tableBytes)} | ${mb(t.indexBytes)} | ${mb(t.totalBytes)} | ${t.rows ? Math.round(t.totalBytes / t.rows) : ''} |`,
    );
  for (const name of KEY_TABLES) if (storage.tables[name]) row(name, storage.tables[name]);
  row('other tables', other);
  lines.push('');
  return lines;
}

interface Figure {
  name: string;
  /** One value per size (in the order of doc.sizes); null where not measured. */
  values: (number | null)[];
  /** How the slope is read: "flat" figures should stay put, "linear" ones grow with the size. */
  expect: string;
}

const get = (obj: unknown, path: string[]): number | null => {
  let v: any = obj;
  for (const k of path) v = v?.[k];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
};

/** The figures of each size that the slopes section compares. */
export function slopeFigures(sizes: any[]): Figure[] {
  const figures: Figure[] = [];
  const add = (name: string, expect: string, pick: (s: any) => number | null) => figures.push({ name, expect, values: sizes.map(pick) });
  const scenario = (s: any, name: string, field: string) => get(s.scenarios?.[name], [field]);
  add('cases in the database', 'linear', (s) => get(s.storage?.tables?.cases, ['rows']));
  // The rate recorded when the size was seeded (a kept database is reused: see its seed line for when).
  add('seed, cases/s', 'flat', (s) => get(s.seed, ['casesPerSecond']));
  add('database MB (all tables, the audit log and bench rows included)', 'linear', (s) =>
    s.storage ? Math.round(s.storage.databaseBytes / 1024 / 1024) : null,
  );
  for (const t of ['cases', 'case_keys', 'consents', 'consent_provisions', 'statistics_case_facts', 'audit_events']) {
    // The audit log grows with activity (this and earlier runs' requests on a kept database), not with the seeded cases.
    add(`${t} MB (heap + indexes)`, t === 'audit_events' ? 'with activity' : 'linear', (s) => {
      const v = get(s.storage?.tables?.[t], ['totalBytes']);
      return v === null ? null : Math.round(v / 1024 / 1024);
    });
  }
  add('cases: bytes per case, with indexes', 'flat', (s) => {
    const t = s.storage?.tables?.cases;
    return t?.rows ? Math.round(t.totalBytes / t.rows) : null;
  });
  add('database: bytes per case', 'flat', (s) => {
    const n = s.storage?.tables?.cases?.rows;
    return n ? Math.round(s.storage.databaseBytes / n) : null;
  });
  for (const name of ['GET /api/v1/cases/{id}', 'POST /api/v1/cases', 'GET /api/v1/cases?limit=50']) {
    add(`${name} req/s`, 'flat', (s) => scenario(s, name, 'requestsPerSecond'));
    add(`${name} p99 ms`, 'flat', (s) => scenario(s, name, 'latencyP99Ms'));
    add(`${name} ratio to ceiling`, 'flat', (s) => scenario(s, name, 'ratioToCeiling'));
  }
  add('GET /api/v1/cases/{id} p99 at half rate ms', 'flat', (s) => scenario(s, 'GET /api/v1/cases/{id}', 'p99AtHalfRateMs'));
  add('statistics: cases in the measured year', 'linear', (s) => get(s.statistics, ['factsInPeriod']));
  add('statistics: slowest table fresh ms', 'linear in the period', (s) =>
    s.statistics?.tables?.length ? Math.max(...s.statistics.tables.map((t: any) => t.freshMedianMs)) : null,
  );
  add('statistics: whole release computed ms', 'linear in the period', (s) => get(s.statistics, ['wholeReleaseComputedMs']));
  add('statistics: slowest table frozen ms', 'flat', (s) =>
    s.statistics?.tables?.length ? Math.max(...s.statistics.tables.map((t: any) => t.servedMedianMs)) : null,
  );
  return figures.filter((f) => f.values.some((v) => v !== null));
}

const change = (a: number | null, b: number | null): string => (a === null || b === null || a === 0 ? '' : `×${(b / a).toFixed(2)}`);

/** The "Slopes" section: each figure per size, and its change from one size to the next (and per 10× of cases). */
export function slopesMarkdown(doc: { sizes: any[]; auditVerification?: any[] }): string[] {
  const sizes = doc.sizes;
  const lines: string[] = [];
  if (sizes.length >= 2) {
    const label = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));
    const steps = sizes.slice(1).map((s, i) => `${label(sizes[i].cases)} → ${label(s.cases)}`);
    lines.push(
      '## Slopes',
      '',
      'How each figure changes from one seeded size to the next (×: the later value over the earlier one). A "flat" figure ' +
        'should stay near ×1 when the cases grow ×10; a "linear" one near ×10. Request figures are medians on a shared machine: ' +
        'read changes within about ±15 % as flat.',
      '',
      `| figure | expected | ${sizes.map((s) => label(s.cases)).join(' | ')} | ${steps.join(' | ')} |`,
      `|---|---|${sizes.map(() => '---').join('|')}|${steps.map(() => '---').join('|')}|`,
    );
    for (const f of slopeFigures(sizes)) {
      const changes = f.values.slice(1).map((v, i) => change(f.values[i], v));
      lines.push(
        `| ${f.name} | ${f.expect} | ${f.values.map((v) => (v === null ? '' : v.toLocaleString('en'))).join(' | ')} | ${changes.join(' | ')} |`,
      );
    }
    lines.push('');
  }
  const audit = (doc.auditVerification ?? []).filter((a) => a.eventsPerSecond);
  if (audit.length >= 2) {
    lines.push(
      'Audit chain verification (one walk, one connection) and the bench chain build:',
      '',
      '| events | events/s | walk s | change in events/s | chain built s |',
      '|---|---|---|---|---|',
    );
    audit.forEach((a, i) =>
      lines.push(
        `| ${a.events.toLocaleString('en')} | ${a.eventsPerSecond.toLocaleString('en')} | ${(a.events / a.eventsPerSecond).toFixed(1)} | ` +
          `${i ? change(audit[i - 1].eventsPerSecond, a.eventsPerSecond) : ''} | ${a.seedSeconds ?? ''} |`,
      ),
    );
    lines.push('');
  }
  return lines;
}
