/**
 * What the disclosure gate needs to know about a case, answered by the cases module (which owns the table): who owns it,
 * its state, the danger flag and assignee, whether the person restricted its use, which data categories it holds, and
 * whether a user holds an active break-glass grant for it. Nothing is opened here: for the sealed identity columns only "is there a value" is read.
 */
import { EntityManager } from 'typeorm';
import { CaseEntity } from './case.entity';
import type { CaseStatus, DataCategory } from '../common/vocabulary';
import { runSql } from '../database/sql';
import { activeBreakGlass, caseFacts, caseFactsForUpdate } from './cases.queries';

export interface CaseDisclosureFacts {
  id: string;
  ownerOrganisationId: string;
  status: CaseStatus;
  dangerFlag: boolean;
  assignedCaseworkerId: string | null;
  /** The data categories the case's own row holds something for (the gate adds restitution when a claim exists). */
  held: DataCategory[];
  /** The person restricted the use of the case (an unlifted case_restrictions row): nothing new is disclosed. */
  restricted: boolean;
}

/** One read; `lock` takes the case row's lock in the caller's transaction. Health is never held (Lintas keeps no health record). */
export async function caseDisclosureFacts(
  em: EntityManager,
  caseId: string,
  opts: { lock?: boolean } = {},
): Promise<CaseDisclosureFacts | null> {
  const { rows } = await runSql(em, opts.lock ? caseFactsForUpdate : caseFacts, [caseId]);
  const row = rows[0];
  if (!row) return null;
  const held = (['identity', 'contact', 'location', 'legal', 'exploitation', 'immigration'] as const).filter((c) => row[c]);
  return {
    id: row.id,
    ownerOrganisationId: row.owner_organisation_id,
    status: row.status,
    dangerFlag: row.danger_flag,
    assignedCaseworkerId: row.assigned_caseworker_id,
    held,
    restricted: row.restricted,
  };
}

/**
 * Whether the user holds an unexpired break-glass grant for the case, given while it was in the organisation that owns
 * the case now (a grant from before an ownership transfer opens nothing).
 */
export async function hasActiveBreakGlass(
  em: EntityManager,
  userId: string,
  caseId: string,
  ownerOrganisationId: string,
  now = new Date(),
): Promise<boolean> {
  const { rows } = await runSql(em, activeBreakGlass, [caseId, userId, ownerOrganisationId, now]);
  return rows.length > 0;
}

/** Whether the person objects to notification of their home state (false for an unknown case). */
export async function objectsToHomeStateNotification(em: EntityManager, caseId: string): Promise<boolean> {
  const c = await em.findOne(CaseEntity, { select: { id: true, objectsToHomeStateNotification: true }, where: { id: caseId } });
  return c?.objectsToHomeStateNotification === true;
}

/** Whether the organisation owns the case. */
export async function caseOwnedBy(em: EntityManager, caseId: string, organisationId: string): Promise<boolean> {
  return (await em.count(CaseEntity, { where: { id: caseId, ownerOrganisationId: organisationId } })) > 0;
}
