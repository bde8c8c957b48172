/**
 * Every hand-written statement on the cases module's tables: cases, case_keys, case_blind_indexes,
 * case_reference_counters and case_break_glass_grants. The rest of the module goes through the ORM.
 */
import { DataSource } from 'typeorm';
import { auditEventInsertSql } from '../audit/audit-event-sql';
import type { CaseStatus } from '../common/vocabulary';
import { columnsOf, entityInsertColumns, selectList, statement } from '../database/sql';
import { CaseEntity } from './case.entity';

// ---------------------------------------------------------------- create

/** The timestamps the insert gave the case, and the references of the same organisation's cases sharing a document. */
export interface CaseCreateRow {
  created_at: Date;
  updated_at: Date;
  possible_duplicates: string[];
}

/** What POST /cases writes beside the case row (whose values come first: entityInsertValues of CaseEntity). */
export interface CaseCreateExtras {
  caseId: string;
  reference: string;
  ownerOrganisationId: string;
  key: { masterKeyId: string; wrappedKey: Buffer };
  /** Blind-index digests of the identity documents under the current key (none: no blind-index rows and no duplicates). */
  digests: Buffer[];
  /** The current blind-index key's id, stored with each digest. */
  blindIndexKeyId: string;
  /** The digests to look duplicates up by: `digests` and, during a rotation, the same documents under the previous key. */
  lookups: Buffer[];
  audit: { actorUserId: string; actorOrganisationId: string; actorRole: string; correlationId: string | null };
}

/**
 * POST /cases in one statement: the case row, its wrapped data key, its blind-index rows, the look-up of the same
 * organisation's other cases that share a document, and the case.create audit event (the audit module's fragment), as
 * data-modifying CTEs of one query. One statement is one implicit transaction: all of it is stored or none of it. The
 * foreign keys of case_keys and case_blind_indexes and the statistics trigger on cases run at the end of the statement,
 * when the case row is there. Every CTE sees the database as it was before the statement, so the duplicates look-up
 * never sees the new case. Parameters: the case row's values ($1…$n, entityInsertValues), then caseCreateParameters.
 */
export const createCase = statement<CaseCreateRow>('cases.create', (ds: DataSource) => {
  const { table, columns } = entityInsertColumns(ds, CaseEntity);
  const n = columns.length;
  const p = (k: number, type: string): string => `$${n + k}::${type}`;
  const [createdAt, updatedAt] = columnsOf(ds, CaseEntity, ['createdAt', 'updatedAt']);
  const audit = auditEventInsertSql(ds, {
    actorUserId: p(6, 'uuid'),
    actorOrganisationId: p(7, 'uuid'),
    actorRole: p(8, 'varchar'),
    action: `'case.create'`,
    recordType: `'case'`,
    recordId: p(9, 'varchar'),
    purpose: 'NULL',
    correlationId: p(10, 'varchar'),
    details: `jsonb_build_object('reference', ${p(11, 'text')}, 'possibleDuplicates', (SELECT count(*) FROM d))`,
  });
  return `WITH c AS (INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})
                     RETURNING ${createdAt} AS created_at, ${updatedAt} AS updated_at),
     k AS (INSERT INTO case_keys (case_id, master_key_id, wrapped_key, destroyed_at) VALUES (${p(1, 'uuid')}, ${p(2, 'varchar')}, ${p(3, 'bytea')}, NULL)),
     b AS (INSERT INTO case_blind_indexes (case_id, kind, digest, key_id)
           SELECT ${p(1, 'uuid')}, 'identity_document', digest, ${p(12, 'varchar')} FROM unnest(${p(4, 'bytea[]')}) AS digest),
     d AS (SELECT DISTINCT x.reference FROM case_blind_indexes i JOIN cases x ON x.id = i.case_id
           WHERE i.digest = ANY(${p(13, 'bytea[]')}) AND x.owner_organisation_id = ${p(5, 'uuid')} AND x.id <> ${p(1, 'uuid')}),
     a AS (${audit})
SELECT c.created_at, c.updated_at, ARRAY(SELECT reference FROM d ORDER BY reference) AS possible_duplicates FROM c`;
});

/** The parameters of createCase after the case row's values. */
export function caseCreateParameters(x: CaseCreateExtras): unknown[] {
  return [
    x.caseId,
    x.key.masterKeyId,
    x.key.wrappedKey,
    x.digests,
    x.ownerOrganisationId,
    x.audit.actorUserId,
    x.audit.actorOrganisationId,
    x.audit.actorRole,
    x.caseId,
    x.audit.correlationId,
    x.reference,
    x.blindIndexKeyId,
    x.lookups,
  ];
}

/**
 * Advances each country-year counter by the number asked for it and answers the new last values. Counters are taken
 * in the order given (sorted by the caller), so two API processes cannot deadlock on them. `set_config(…, true)` turns
 * synchronous_commit off for this statement's own implicit transaction (see CaseReferences).
 */
export const takeReferenceNumbers = statement<{ country: string; year: number; last_value: number }, [string[], number[], number[]]>(
  'cases.takeReferenceNumbers',
  () => `INSERT INTO case_reference_counters AS r (country, year, last_value)
         SELECT u.country, u.year, u.n FROM unnest($1::char(2)[], $2::smallint[], $3::integer[]) WITH ORDINALITY AS u(country, year, n, i)
          WHERE set_config('synchronous_commit', 'off', true) = 'off'
          ORDER BY u.i
         ON CONFLICT (country, year) DO UPDATE SET last_value = r.last_value + EXCLUDED.last_value
         RETURNING r.country, r.year, r.last_value`,
);

/** References of the organisation's other cases that share one of these document digests (any key's). */
export const sharedDocumentReferences = statement<{ reference: string }, [Buffer[], string, string]>(
  'cases.sharedDocumentReferences',
  () => `SELECT DISTINCT c.reference FROM case_blind_indexes b JOIN cases c ON c.id = b.case_id
          WHERE b.digest = ANY($1::bytea[]) AND c.owner_organisation_id = $2 AND c.id <> $3
          ORDER BY c.reference`,
);

// ---------------------------------------------------------------- blind-index rotation

/**
 * The next cases (by id, after $2) with a blind-index row not made with the current key ($1), at most $3: what
 * `keys:reindex` has left to do. The key_id column is the re-index's durable progress.
 */
export const casesToReindex = statement<{ case_id: string }, [string, string, number]>(
  'cases.casesToReindex',
  () => `SELECT DISTINCT case_id FROM case_blind_indexes
          WHERE key_id IS DISTINCT FROM $1 AND case_id > $2 ORDER BY case_id LIMIT $3`,
);

/** How many cases still have a row not made with the current key ($1). */
export const casesLeftToReindex = statement<{ n: string }, [string]>(
  'cases.casesLeftToReindex',
  () => `SELECT count(DISTINCT case_id) AS n FROM case_blind_indexes WHERE key_id IS DISTINCT FROM $1`,
);

// ---------------------------------------------------------------- reads

/**
 * The hot read of GET /cases/{id}, for several requests at once: each (id, organisation) pair's case (every column,
 * ciphertext included; `hydrate(…, 'c', row)`) and its wrapped data key, numbered by the pair's position (i).
 */
export const casesWithKeys = statement<
  Record<string, unknown> & { i: string; k_master_key_id: string | null; k_wrapped_key: Buffer | null },
  [string[], string[]]
>(
  'cases.withKeys',
  (ds) => `SELECT q.i, ${selectList(ds, CaseEntity, 'c')}, k.master_key_id AS k_master_key_id, k.wrapped_key AS k_wrapped_key
             FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS q(id, organisation_id, i)
             JOIN cases c ON c.id = q.id AND c.owner_organisation_id = q.organisation_id
             LEFT JOIN case_keys k ON k.case_id = c.id`,
);

// ---------------------------------------------------------------- what the disclosure gate needs

export interface CaseFactsRow {
  id: string;
  owner_organisation_id: string;
  status: CaseStatus;
  danger_flag: boolean;
  assigned_caseworker_id: string | null;
  identity: boolean;
  contact: boolean;
  location: boolean;
  legal: boolean;
  exploitation: boolean;
  immigration: boolean;
  restricted: boolean;
}

const caseFactsSql = (lock: boolean): string =>
  `SELECT c.id, c.owner_organisation_id, c.status, c.danger_flag, c.assigned_caseworker_id,
          (c.identity_erased_at IS NULL AND (c.identity_given_name IS NOT NULL OR c.identity_family_name IS NOT NULL
            OR c.identity_date_of_birth IS NOT NULL OR c.identity_documents IS NOT NULL))
            OR c.gender IS NOT NULL OR cardinality(c.citizenship) > 0 AS identity,
          c.identity_erased_at IS NULL AND (c.identity_phone IS NOT NULL OR c.identity_email IS NOT NULL) AS contact,
          c.identity_erased_at IS NULL AND c.identity_current_location IS NOT NULL AS location,
          c.trafficking_status IS NOT NULL OR jsonb_array_length(c.legal_proceedings) > 0 AS legal,
          cardinality(c.exploitation_types) > 0 OR cardinality(c.means_of_control) > 0 OR cardinality(c.recruitment_methods) > 0
            OR cardinality(c.recruitment_platforms) > 0 OR c.country_of_recruitment IS NOT NULL
            OR c.country_of_exploitation IS NOT NULL OR c.age_when_trafficked IS NOT NULL AS exploitation,
          c.immigration_status IS NOT NULL OR c.detention_status IS NOT NULL OR c.non_punishment_assessment IS NOT NULL
            OR c.reflection_period_start IS NOT NULL OR c.reflection_period_end IS NOT NULL AS immigration,
          EXISTS (SELECT 1 FROM case_restrictions cr WHERE cr.case_id = c.id AND cr.lifted_at IS NULL) AS restricted
     FROM cases c WHERE c.id = $1 ${lock ? 'FOR UPDATE OF c' : ''}`;

/**
 * Who owns a case, its state, and which data categories its own row holds something for. A restitution claim is the
 * restitution module's: the gate asks it through its CaseHoldings port.
 */
export const caseFacts = statement<CaseFactsRow, [string]>('cases.facts', () => caseFactsSql(false));
export const caseFactsForUpdate = statement<CaseFactsRow, [string]>('cases.factsForUpdate', () => caseFactsSql(true));

/** An unexpired break-glass grant of the user for the case, given while the case was in this organisation. */
export const activeBreakGlass = statement<{ one: number }, [string, string, string, Date]>(
  'cases.activeBreakGlass',
  () =>
    `SELECT 1 AS one FROM case_break_glass_grants WHERE case_id = $1 AND user_id = $2 AND organisation_id = $3 AND expires_at > $4 LIMIT 1`,
);

// ---------------------------------------------------------------- key rotation (npm run keys:rewrap)

/** The next keys not under the current master key, after a case id, locked (SKIP LOCKED: a busy case waits for the next run). */
export const keysToRewrap = statement<{ case_id: string; master_key_id: string; wrapped_key: Buffer }, [string, string, number]>(
  'cases.keysToRewrap',
  () => `SELECT case_id, master_key_id, wrapped_key FROM case_keys
          WHERE wrapped_key IS NOT NULL AND master_key_id <> $1 AND case_id > $2
          ORDER BY case_id LIMIT $3 FOR UPDATE SKIP LOCKED`,
);

export const rewrapKey = statement<never, [string, string, Buffer]>(
  'cases.rewrapKey',
  () => `UPDATE case_keys SET master_key_id = $2, wrapped_key = $3, rewrapped_at = now() WHERE case_id = $1`,
);

export const keysNotRewrapped = statement<{ remaining: number }, [string]>(
  'cases.keysNotRewrapped',
  () => `SELECT count(*)::int AS remaining FROM case_keys WHERE wrapped_key IS NOT NULL AND master_key_id <> $1`,
);
