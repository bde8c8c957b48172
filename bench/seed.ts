/**
 * Seeds a bench database with BENCH_CASES fictional cases at volume, without HTTP: organisations, staff, cases whose
 * identity is encrypted in-process with the product's own envelope crypto (src/crypto: a data key per case, wrapped under
 * the configured master key, each field sealed with case + field as associated data), their keys, blind indexes and
 * consents, written as multi-row INSERT … SELECT FROM unnest(…) in batches over the owner connection.
 *
 * Every name, number and place below is invented. The database is kept between runs (.local/bench): a size that is
 * already seeded is reused, recorded in bench_seed_info with the rate it was seeded at.
 *
 *   node dist-bench/bench/seed.js 100000       (env as bench/run.sh sets it; DATABASE_MIGRATION_URL names the database)
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import * as argon2 from 'argon2';
import { Client } from 'pg';
import { AppConfig } from '../src/config/app-config';
import { blindIndex, encryptField, newDataKey, wrapDataKey } from '../src/crypto/case-crypto';
import { deriveMinor, formatReference } from '../src/cases/case-reference';
import {
  CONSENT_PURPOSES,
  DATA_CATEGORIES,
  DETENTION_STATUSES,
  EXPLOITATION_TYPES,
  GENDERS,
  IMMIGRATION_STATUSES,
  MEANS_OF_CONTROL,
  NON_PUNISHMENT_ASSESSMENTS,
  RECRUITMENT_METHODS,
  RECRUITMENT_PLATFORMS,
  RISK_LEVELS,
  TRAFFICKING_STATUSES,
} from '../src/common/vocabulary';

/** Cases per organisation: fixed, so the per-organisation work (lists, counts) stays comparable across sizes. */
export const CASES_PER_ORGANISATION = 2000;
export const CASEWORKERS_PER_ORGANISATION = 10;
export const BENCH_PASSWORD = 'bench operator passphrase';
/** The caseworker the scenarios log in as (organisation 0, caseworker 0). */
export const benchCaseworkerEmail = (cases: number): string => `bench-cw-0-0@c${cases}.bench.lintas.example`;
/** A platform admin (for the outbox ping): the bootstrap admin never appears in a database that already holds users. */
export const benchAdminEmail = (cases: number): string => `bench-admin@c${cases}.bench.lintas.example`;

export interface SeedInfo {
  cases: number;
  organisations: number;
  consents: number;
  seconds: number;
  casesPerSecond: number;
  caseworkerEmail: string;
  adminEmail: string;
  organisationId: string;
  reused: boolean;
}

const BATCH = 2000;
const COUNTRIES = ['TH', 'KH', 'LA', 'MM'] as const;
const CITIZENSHIPS = ['MM', 'MM', 'MM', 'LA', 'LA', 'KH', 'KH', 'VN', 'TH', 'CN'];
const LANGUAGES: Record<string, string> = { MM: 'mya', LA: 'lao', KH: 'khm', VN: 'vie', TH: 'tha', CN: 'zho' };
const GIVEN = [
  'Aye',
  'Mya',
  'Thida',
  'Khin',
  'Noy',
  'Souk',
  'Phon',
  'Sreymom',
  'Dara',
  'Sokha',
  'Lan',
  'Mai',
  'Ploy',
  'Nok',
  'Hnin',
  'Zaw',
];
const FAMILY = ['Win', 'Oo', 'Htun', 'Vongsa', 'Keo', 'Chan', 'Sok', 'Nguyen', 'Tran', 'Srisuk', 'Inthavong', 'Lwin', 'Kyaw', 'Phan'];
const PLACES = [
  'Mercy Shelter, Bangkok',
  'Safe House 3, Phnom Penh',
  'Transit Centre, Vientiane',
  'Drop-in Centre, Mae Sot',
  'Hospital ward, Poipet',
];

/** Deterministic, so two seeds of one size hold the same shape of data. */
function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pgArray = (xs: readonly string[]): string => `{${xs.join(',')}}`;
const isoDate = (d: Date): string => d.toISOString().slice(0, 10);

export async function seed(cases: number, config = AppConfig.fromEnvironment()): Promise<SeedInfo> {
  const db = new Client({ connectionString: process.env.DATABASE_MIGRATION_URL });
  await db.connect();
  try {
    await db.query(
      `CREATE TABLE IF NOT EXISTS bench_seed_info (cases integer PRIMARY KEY, info jsonb NOT NULL, seeded_at timestamptz NOT NULL DEFAULT now())`,
    );
    // The ceiling's validated insert writes here (bench only, never in the product schema's migrations).
    await db.query(`CREATE TABLE IF NOT EXISTS bench_ceiling_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      label text NOT NULL, level text NOT NULL, count int NOT NULL)`);
    await db.query(`GRANT SELECT, INSERT ON bench_ceiling_rows TO lintas_app`);
    const existing = await db.query<{ info: SeedInfo }>(`SELECT info FROM bench_seed_info WHERE cases = $1`, [cases]);
    if (existing.rows[0]) return { ...existing.rows[0].info, reused: true };
    const count = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM cases`);
    if (Number(count.rows[0].n) > 0)
      throw new Error(`this database already holds ${count.rows[0].n} cases that bench_seed_info does not describe`);
    return await seedInto(db, cases, config);
  } finally {
    await db.end();
  }
}

async function seedInto(db: Client, cases: number, config: AppConfig): Promise<SeedInfo> {
  const started = Date.now();
  const random = mulberry32(cases);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const some = <T>(xs: readonly T[], max: number): T[] => [
    ...new Set(Array.from({ length: 1 + Math.floor(random() * max) }, () => pick(xs))),
  ];
  const master = config.crypto.masterKey;

  // Organisations and staff. One real argon2 hash, shared: only the bench caseworker logs in, and hashing 10k
  // passwords would measure argon2, not seeding.
  const passwordHash = await argon2.hash(BENCH_PASSWORD, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  const orgCount = Math.max(1, Math.ceil(cases / CASES_PER_ORGANISATION));
  const orgs = Array.from({ length: orgCount }, (_, i) => ({ id: randomUUID(), country: COUNTRIES[i % COUNTRIES.length], i }));
  const staff = orgs.map(() => Array.from({ length: CASEWORKERS_PER_ORGANISATION }, () => randomUUID()));
  await db.query('BEGIN');
  for (let from = 0; from < orgs.length; from += 1000) {
    const part = orgs.slice(from, from + 1000);
    await db.query(
      `INSERT INTO organisations (id, name, name_key, country, type)
       SELECT id, name, lower(name), country, 'ngo' FROM unnest($1::uuid[], $2::text[], $3::text[]) AS t(id, name, country)`,
      [part.map((o) => o.id), part.map((o) => `Bench shelter ${o.i} (c${cases})`), part.map((o) => o.country)],
    );
    const ids: string[] = [];
    const orgIds: string[] = [];
    const emails: string[] = [];
    const roles: string[] = [];
    for (const o of part) {
      staff[o.i].forEach((id, k) => {
        ids.push(id);
        orgIds.push(o.id);
        emails.push(`bench-cw-${o.i}-${k}@c${cases}.bench.lintas.example`);
        roles.push(k === CASEWORKERS_PER_ORGANISATION - 1 ? 'supervisor' : 'caseworker');
      });
    }
    await db.query(
      `INSERT INTO users (id, organisation_id, email, display_name, role, password_hash)
       SELECT id, org, email, 'Bench staff', role::user_role, $5 FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS t(id, org, email, role)`,
      [ids, orgIds, emails, roles, passwordHash],
    );
  }
  await db.query(
    `INSERT INTO users (organisation_id, email, display_name, role, password_hash) VALUES ($1, $2, 'Bench operator', 'platform_admin', $3)`,
    [orgs[0].id, benchAdminEmail(cases), passwordHash],
  );
  await db.query('COMMIT');

  const counters = new Map<string, number>();
  let consents = 0;
  const now = Date.now();
  const threeYears = 3 * 365 * 86400_000;
  let pending: Promise<unknown> = Promise.resolve();
  for (let from = 0; from < cases; from += BATCH) {
    const n = Math.min(BATCH, cases - from);
    const c: Record<string, unknown[]> = {};
    const col = (name: string, v: unknown) => (c[name] ??= []).push(v);
    const keys: { caseId: string[]; wrapped: Buffer[] } = { caseId: [], wrapped: [] };
    const blind: { caseId: string[]; digest: Buffer[] } = { caseId: [], digest: [] };
    const cons: Record<string, unknown[]> = {};
    const ccol = (name: string, v: unknown) => (cons[name] ??= []).push(v);
    const prov: Record<string, unknown[]> = {};
    const pcol = (name: string, v: unknown) => (prov[name] ??= []).push(v);
    for (let j = 0; j < n; j++) {
      const index = from + j;
      const org = orgs[Math.floor(index / CASES_PER_ORGANISATION)];
      const id = randomUUID();
      const createdAt = new Date(now - Math.floor(random() * threeYears));
      const year = createdAt.getUTCFullYear();
      const counterKey = `${org.country}-${year}`;
      const counter = (counters.get(counterKey) ?? 0) + 1;
      counters.set(counterKey, counter);
      const assigned = staff[org.i][Math.floor(random() * (CASEWORKERS_PER_ORGANISATION - 1))];
      const citizenship = pick(CITIZENSHIPS);
      const dob =
        random() < 0.8
          ? isoDate(new Date(Date.UTC(1975 + Math.floor(random() * 35), Math.floor(random() * 12), 1 + Math.floor(random() * 28))))
          : null;
      const age = random() < 0.7 ? 12 + Math.floor(random() * 30) : null;
      const dataKey = newDataKey();
      const seal = (field: string, value: unknown): Buffer | null => (value === null ? null : encryptField(dataKey, id, field, value));
      const documents =
        random() < 0.6
          ? [{ type: 'passport', country: citizenship, number: `${citizenship}${String(Math.floor(random() * 1e7)).padStart(7, '0')}` }]
          : [];
      col('id', id);
      col('reference', formatReference(org.country, year, counter));
      col('owner', org.id);
      col('assigned', assigned);
      col('status', random() < 0.75 ? 'active' : 'follow_up');
      col('given', seal('givenName', pick(GIVEN)));
      col('family', seal('familyName', random() < 0.9 ? pick(FAMILY) : null));
      col('dob', seal('dateOfBirth', dob));
      col('docs', documents.length ? seal('identityDocuments', documents) : null);
      col('phone', seal('phone', random() < 0.5 ? `+66 8${Math.floor(random() * 1e8)}` : null));
      col('email', seal('email', null));
      col('location', seal('currentLocation', random() < 0.7 ? pick(PLACES) : null));
      col('gender', pick(GENDERS));
      col('citizenship', pgArray([citizenship]));
      col('languages', pgArray([LANGUAGES[citizenship]]));
      col('minor', deriveMinor(dob, age));
      const status = random() < 0.8 ? pick(TRAFFICKING_STATUSES) : null;
      col('tstatus', status);
      col('tby', status ? org.id : null);
      col('tat', status ? isoDate(createdAt) : null);
      col('exploitation', pgArray(some(EXPLOITATION_TYPES, 2)));
      col('control', pgArray(some(MEANS_OF_CONTROL, 4)));
      col('recruitment', pgArray(some(RECRUITMENT_METHODS, 2)));
      col('platforms', pgArray(some(RECRUITMENT_PLATFORMS, 2)));
      col('crec', citizenship);
      col('cexp', pick(['TH', 'KH', 'MM', 'LA', 'MY']));
      col('age', age);
      const risk = random() < 0.85 ? pick(RISK_LEVELS) : null;
      col('risk', risk);
      col('riskat', risk ? isoDate(createdAt) : null);
      col('danger', random() < 0.05);
      col('immigration', random() < 0.6 ? pick(IMMIGRATION_STATUSES) : null);
      col('detention', random() < 0.4 ? pick(DETENTION_STATUSES) : null);
      col('nonpunishment', random() < 0.5 ? pick(NON_PUNISHMENT_ASSESSMENTS) : null);
      col('created', createdAt);
      keys.caseId.push(id);
      keys.wrapped.push(wrapDataKey(master.key, master.id, id, dataKey));
      for (const d of documents) {
        blind.caseId.push(id);
        blind.digest.push(blindIndex(config.crypto.blindIndexKey, d));
      }
      dataKey.fill(0);
      // Seven in ten cases hold a consent: service provision at home, and for some a cross-border referral permit.
      if (random() < 0.7) {
        const consentId = randomUUID();
        consents++;
        ccol('id', consentId);
        ccol('case', id);
        ccol('by', deriveMinor(dob, age) ? 'guardian' : 'self');
        ccol('method', pick(['written', 'verbal_witnessed', 'recorded']));
        ccol('language', LANGUAGES[citizenship]);
        ccol('interpreter', citizenship !== org.country);
        ccol('user', assigned);
        ccol('org', org.id);
        ccol('created', createdAt);
        const until = new Date(createdAt.getTime() + 2 * 365 * 86400_000);
        const provisions = random() < 0.5 ? 2 : 1;
        for (let p = 0; p < provisions; p++) {
          pcol('consent', consentId);
          pcol('position', p);
          pcol('effect', p === 0 ? 'permit' : pick(['permit', 'deny']));
          pcol('rorg', p === 0 ? org.id : null);
          pcol('rcountry', p === 0 ? null : citizenship);
          pcol('purposes', pgArray(p === 0 ? ['service_provision'] : some(CONSENT_PURPOSES, 3)));
          pcol('categories', pgArray(some(DATA_CATEGORIES, 4)));
          pcol('from', createdAt);
          pcol('until', until);
        }
      }
    }
    // Encrypt the next batch while this one is written.
    await pending;
    pending = writeBatch(db, c, keys, blind, cons, prov, master.id);
  }
  await pending;
  await db.query(
    `INSERT INTO case_reference_counters (country, year, last_value)
     SELECT split_part(k, '-', 1), split_part(k, '-', 2)::smallint, v FROM unnest($1::text[], $2::int[]) AS t(k, v)
     ON CONFLICT (country, year) DO UPDATE SET last_value = GREATEST(case_reference_counters.last_value, EXCLUDED.last_value)`,
    [[...counters.keys()], [...counters.values()]],
  );
  const seconds = (Date.now() - started) / 1000;
  await db.query('VACUUM ANALYZE');
  const info: SeedInfo = {
    cases,
    organisations: orgCount,
    consents,
    seconds: Math.round(seconds * 10) / 10,
    casesPerSecond: Math.round(cases / seconds),
    caseworkerEmail: benchCaseworkerEmail(cases),
    adminEmail: benchAdminEmail(cases),
    organisationId: orgs[0].id,
    reused: false,
  };
  await db.query(`INSERT INTO bench_seed_info (cases, info) VALUES ($1, $2)`, [cases, info]);
  return info;
}

/** One transaction per batch: a case never lands without its key. */
async function writeBatch(
  db: Client,
  c: Record<string, unknown[]>,
  keys: { caseId: string[]; wrapped: Buffer[] },
  blind: { caseId: string[]; digest: Buffer[] },
  cons: Record<string, unknown[]>,
  prov: Record<string, unknown[]>,
  masterKeyId: string,
): Promise<void> {
  await db.query('BEGIN');
  try {
    await db.query(
      `INSERT INTO cases (id, reference, owner_organisation_id, assigned_caseworker_id, status, version,
         identity_given_name, identity_family_name, identity_date_of_birth, identity_documents, identity_phone, identity_email,
         identity_current_location, gender, citizenship, languages, minor, trafficking_status,
         trafficking_status_decided_by_organisation_id, trafficking_status_decided_at, exploitation_types, means_of_control,
         recruitment_methods, recruitment_platforms, country_of_recruitment, country_of_exploitation, age_when_trafficked,
         risk_level, risk_assessed_at, danger_flag, immigration_status, detention_status, non_punishment_assessment,
         created_by, created_at, updated_at)
       SELECT id, reference, owner, assigned, status::case_status, 1, given, family, dob, docs, phone, email, location,
         gender::case_gender, citizenship::varchar[], languages::varchar[], minor, tstatus::trafficking_status, tby, tat,
         exploitation::exploitation_type[], control::means_of_control[], recruitment::recruitment_method[],
         platforms::recruitment_platform[], crec, cexp, age, risk::risk_level, riskat, danger, immigration::immigration_status,
         detention::detention_status, nonpunishment::non_punishment_assessment, assigned, created, created
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::bytea[], $7::bytea[], $8::bytea[], $9::bytea[],
         $10::bytea[], $11::bytea[], $12::bytea[], $13::text[], $14::text[], $15::text[], $16::bool[], $17::text[], $18::uuid[],
         $19::date[], $20::text[], $21::text[], $22::text[], $23::text[], $24::text[], $25::text[], $26::int[], $27::text[],
         $28::date[], $29::bool[], $30::text[], $31::text[], $32::text[], $33::timestamptz[])
         AS t(id, reference, owner, assigned, status, given, family, dob, docs, phone, email, location, gender, citizenship,
              languages, minor, tstatus, tby, tat, exploitation, control, recruitment, platforms, crec, cexp, age, risk, riskat,
              danger, immigration, detention, nonpunishment, created)`,
      [
        'id',
        'reference',
        'owner',
        'assigned',
        'status',
        'given',
        'family',
        'dob',
        'docs',
        'phone',
        'email',
        'location',
        'gender',
        'citizenship',
        'languages',
        'minor',
        'tstatus',
        'tby',
        'tat',
        'exploitation',
        'control',
        'recruitment',
        'platforms',
        'crec',
        'cexp',
        'age',
        'risk',
        'riskat',
        'danger',
        'immigration',
        'detention',
        'nonpunishment',
        'created',
      ].map((k) => c[k]),
    );
    await db.query(
      `INSERT INTO case_keys (case_id, master_key_id, wrapped_key) SELECT id, $3, k FROM unnest($1::uuid[], $2::bytea[]) AS t(id, k)`,
      [keys.caseId, keys.wrapped, masterKeyId],
    );
    if (blind.caseId.length) {
      await db.query(`INSERT INTO case_blind_indexes (case_id, digest) SELECT * FROM unnest($1::uuid[], $2::bytea[])`, [
        blind.caseId,
        blind.digest,
      ]);
    }
    if (cons.id?.length) {
      await db.query(
        `INSERT INTO consents (id, case_id, given_by, method, language, interpreter_used, recorded_by_user_id, recorded_by_organisation_id, created_at)
         SELECT id, cid, by::consent_given_by, m::consent_method, l, i, u, o, t FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[],
           $5::text[], $6::bool[], $7::uuid[], $8::uuid[], $9::timestamptz[]) AS t(id, cid, by, m, l, i, u, o, t)`,
        ['id', 'case', 'by', 'method', 'language', 'interpreter', 'user', 'org', 'created'].map((k) => cons[k]),
      );
      await db.query(
        `INSERT INTO consent_provisions (consent_id, position, effect, recipient_organisation_id, recipient_country, purposes, data_categories, valid_from, valid_until)
         SELECT cid, pos, e::consent_provision_effect, ro, rc, pu::consent_purpose[], dc::consent_data_category[], vf, vu
           FROM unnest($1::uuid[], $2::int[], $3::text[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[])
             AS t(cid, pos, e, ro, rc, pu, dc, vf, vu)`,
        ['consent', 'position', 'effect', 'rorg', 'rcountry', 'purposes', 'categories', 'from', 'until'].map((k) => prov[k]),
      );
    }
    await db.query('COMMIT');
  } catch (err) {
    await db.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

if (require.main === module) {
  seed(Number(process.argv[2] ?? process.env.BENCH_CASES ?? 10_000))
    .then((info) => process.stdout.write(`${JSON.stringify(info)}\n`))
    .catch((err) => {
      process.stderr.write(`seed failed: ${(err as Error).stack}\n`);
      process.exit(1);
    });
}
