/**
 * POST /cases in one statement: the case row, its wrapped data key, its blind-index rows, the look-up of the same
 * organisation's other cases that share a document, and the case.create audit event, as data-modifying CTEs of one
 * query. One statement is one implicit transaction: all of it is stored or none of it. The foreign keys of case_keys
 * and case_blind_indexes and the statistics trigger on cases run at the end of the statement, when the case row is
 * there. Every CTE sees the database as it was before the statement, so the duplicates look-up never sees the new case.
 *
 * The cases INSERT is TypeORM's own (column names, defaults and value preparation stay the entity's); its parameters
 * are $1…$n and everything added here is numbered after them.
 */

/** The columns of audit_events that AuditService.record writes for an event in a transaction (see audit.service.ts). */
export interface CreateAuditEvent {
  actorUserId: string;
  actorOrganisationId: string;
  actorRole: string;
  correlationId: string | null;
}

export interface CaseCreateParts {
  caseId: string;
  reference: string;
  ownerOrganisationId: string;
  key: { masterKeyId: string; wrappedKey: Buffer };
  /** Blind-index digests of the identity documents (none: no blind-index rows and no duplicates look-up). */
  digests: Buffer[];
  audit: CreateAuditEvent;
}

export interface CaseCreateRow {
  created_at: Date;
  updated_at: Date;
  possible_duplicates: string[];
}

/**
 * Wraps `[caseInsertSql, caseInsertParameters]` (an `INSERT INTO "cases" … RETURNING created_at, updated_at` from
 * TypeORM's InsertQueryBuilder) into the whole create. The answer is one row: the case's timestamps and the references
 * of the possible duplicates, sorted.
 */
export function caseCreateStatement([caseInsert, caseParameters]: [string, unknown[]], parts: CaseCreateParts): [string, unknown[]] {
  if (!/^\s*INSERT INTO\b/i.test(caseInsert) || !/\bRETURNING\b/i.test(caseInsert)) {
    throw new Error('caseCreateStatement needs an INSERT … RETURNING created_at, updated_at');
  }
  // Parameters of the case INSERT must be exactly $1…$n, or the numbering below would collide with them.
  const used = [...caseInsert.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));
  if (used.some((n) => n < 1 || n > caseParameters.length)) throw new Error('case INSERT refers to a parameter it did not supply');

  const parameters = [...caseParameters];
  const param = (value: unknown, type: string): string => {
    parameters.push(value);
    return `$${parameters.length}::${type}`;
  };
  const caseId = param(parts.caseId, 'uuid');
  const withDocuments = parts.digests.length > 0;
  const digests = withDocuments ? param(parts.digests, 'bytea[]') : '';
  const ctes = [
    `c AS (${caseInsert})`,
    `k AS (INSERT INTO case_keys (case_id, master_key_id, wrapped_key, destroyed_at)
           VALUES (${caseId}, ${param(parts.key.masterKeyId, 'varchar')}, ${param(parts.key.wrappedKey, 'bytea')}, NULL))`,
  ];
  if (withDocuments) {
    ctes.push(
      `b AS (INSERT INTO case_blind_indexes (case_id, kind, digest)
             SELECT ${caseId}, 'identity_document', digest FROM unnest(${digests}) AS digest)`,
      `d AS (SELECT DISTINCT x.reference FROM case_blind_indexes i JOIN cases x ON x.id = i.case_id
             WHERE i.digest = ANY(${digests}) AND x.owner_organisation_id = ${param(parts.ownerOrganisationId, 'uuid')} AND x.id <> ${caseId})`,
    );
  }
  const duplicateCount = withDocuments ? '(SELECT count(*) FROM d)' : '0';
  ctes.push(
    `a AS (INSERT INTO audit_events
             (actor_user_id, actor_organisation_id, actor_role, action, record_type, record_id, purpose, correlation_id, details)
           VALUES (${param(parts.audit.actorUserId, 'uuid')}, ${param(parts.audit.actorOrganisationId, 'uuid')},
                   ${param(parts.audit.actorRole, 'varchar')}, 'case.create', 'case', ${param(parts.caseId, 'varchar')}, NULL,
                   ${param(parts.audit.correlationId, 'varchar')},
                   jsonb_build_object('reference', ${param(parts.reference, 'text')}, 'possibleDuplicates', ${duplicateCount})))`,
  );
  const duplicates = withDocuments ? 'ARRAY(SELECT reference FROM d ORDER BY reference)' : `'{}'::varchar[]`;
  const sql = `WITH ${ctes.join(',\n')}\nSELECT c.created_at, c.updated_at, ${duplicates} AS possible_duplicates FROM c`;
  return [sql, parameters];
}
