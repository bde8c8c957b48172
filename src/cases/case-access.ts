/**
 * Who sees which case (pure; CasesService applies it to rows it loaded inside the caller's organisation scope).
 *
 *  - Only caseworkers and supervisors ever see case content (org_admin, auditor and platform_admin are refused by the
 *    permission map before this runs, and see nothing here either).
 *  - Only the owning organisation's staff: anything else is "not found", exactly like a missing id.
 *  - A danger-flagged case: its assigned caseworker sees all of it; the organisation's supervisors see the case but
 *    not the person's identity; other caseworkers do not see it at all.
 *  - Break-glass: a user of the owning organisation who holds an unexpired grant for the case (given on a stated
 *    reason, audited, raised for another supervisor's review) sees all of it, identity included.
 */
import { Actor } from '../common/auth/actor';

export interface CaseAccessFacts {
  ownerOrganisationId: string;
  assignedCaseworkerId: string | null;
  dangerFlag: boolean;
}

export type IdentityAccess = 'granted' | 'withheld_danger_flag';

export interface CaseAccess {
  visible: boolean;
  identity: IdentityAccess;
  /** True when only a break-glass grant makes the case (or its identity) visible to this actor. */
  viaBreakGlass: boolean;
}

const NONE: CaseAccess = { visible: false, identity: 'withheld_danger_flag', viaBreakGlass: false };

export const CASE_STAFF_ROLES = ['caseworker', 'supervisor'] as const;

export function isCaseStaff(actor: Actor): boolean {
  return (CASE_STAFF_ROLES as readonly string[]).includes(actor.role);
}

/** Whether the rule without break-glass would hide the case or its identity from this actor (so a grant matters). */
export function needsBreakGlass(actor: Actor, c: CaseAccessFacts): boolean {
  return isCaseStaff(actor) && c.ownerOrganisationId === actor.organisationId && c.dangerFlag && c.assignedCaseworkerId !== actor.userId;
}

export function caseAccess(actor: Actor, c: CaseAccessFacts, hasBreakGlassGrant = false): CaseAccess {
  if (!isCaseStaff(actor) || c.ownerOrganisationId !== actor.organisationId) return NONE;
  if (!c.dangerFlag || c.assignedCaseworkerId === actor.userId) return { visible: true, identity: 'granted', viaBreakGlass: false };
  if (hasBreakGlassGrant) return { visible: true, identity: 'granted', viaBreakGlass: true };
  if (actor.role === 'supervisor') return { visible: true, identity: 'withheld_danger_flag', viaBreakGlass: false };
  return NONE;
}
