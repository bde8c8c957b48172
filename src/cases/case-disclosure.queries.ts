/**
 * What the disclosure gate needs to know about a case, read by the cases module (which owns the table): who owns it,
 * its state, the danger flag and assignee, which data categories it holds, and whether a user holds an active
 * break-glass grant for it. Nothing is decrypted here: for the sealed identity columns only "is there a value" is read.
 */
import { EntityManager } from 'typeorm';
import type { CaseStatus, DataCategory } from '../common/vocabulary';
import { plainQuery } from '../database/plain-sql';

export interface CaseDisclosureFacts {
  id: string;
  ownerOrganisationId: string;
  status: CaseStatus;
  dangerFlag: boolean;
  assignedCaseworkerId: string | null;
  /** The data categories the case holds something for (restitution: a claim exists). */
  held: DataCategory[];
}

interface Row {
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
  restitution: boolean;
}

/**
 * One read. Health is never held (Lintas keeps no health record). The claims look-up names restitution_claims: the
 * restitution module's table, read here only for "does one exist" so that the gate need not depend on that module.
 */
export async function caseDisclosureFacts(em: EntityManager, caseId: string, opts: { lock?: boolean } = {}): Promise<CaseDisclosureFacts | null> {
  const { rows } = await plainQuery<Row>(
    em,
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
            EXISTS (SELECT 1 FROM restitution_claims rc WHERE rc.case_id = c.id) AS restitution
       FROM cases c WHERE c.id = $1 ${opts.lock ? 'FOR UPDATE OF c' : ''}`,
    [caseId],
  );
  const row = rows[0];
  if (!row) return null;
  const held = (['identity', 'contact', 'location', 'legal', 'exploitation', 'immigration', 'restitution'] as const).filter((c) => row[c]);
  return {
    id: row.id,
    ownerOrganisationId: row.owner_organisation_id,
    status: row.status,
    dangerFlag: row.danger_flag,
    assignedCaseworkerId: row.assigned_caseworker_id,
    held,
  };
}

/**
 * Whether the user holds an unexpired break-glass grant for the case, given while it was in the organisation that owns
 * the case now (a grant from before an ownership transfer opens nothing).
 */
export async function hasActiveBreakGlass(em: EntityManager, userId: string, caseId: string, ownerOrganisationId: string, now = new Date()): Promise<boolean> {
  const { rows } = await plainQuery<{ one: number }>(
    em,
    `SELECT 1 AS one FROM case_break_glass_grants WHERE case_id = $1 AND user_id = $2 AND organisation_id = $3 AND expires_at > $4 LIMIT 1`,
    [caseId, userId, ownerOrganisationId, now],
  );
  return rows.length > 0;
}
