/**
 * Who received a case's restitution data through its claims, from the responsibility history: pure, so a spec walks it.
 */
import { ClaimRecipientRole, ResponsibilityCause } from '../common/vocabulary/restitution';

export { CLAIM_RECIPIENT_ROLES, type ClaimRecipientRole } from '../common/vocabulary/restitution';

export interface ClaimRecipient {
  claimId: string;
  organisationId: string;
  role: ClaimRecipientRole;
  /** Why it got the role (the history row that gave it). */
  cause: ResponsibilityCause;
  from: string;
  /** When it lost the role; null while it holds it. */
  until: string | null;
}

export interface ResponsibilityRow {
  claimId: string;
  responsibleOrganisationId: string;
  survivorContactOrganisationId: string | null;
  cause: ResponsibilityCause;
  createdAt: Date;
}

/**
 * One item per (claim, organisation, role) period: a role held across several rows is one period; the owner's own
 * periods are left out (it holds the case). `rows` in history order (seq), any number of claims.
 */
export function claimRecipients(rows: readonly ResponsibilityRow[], ownerOrganisationId: string): ClaimRecipient[] {
  const open = new Map<string, ClaimRecipient>();
  const out: ClaimRecipient[] = [];
  const byClaim = new Map<string, ResponsibilityRow[]>();
  for (const row of rows) byClaim.set(row.claimId, [...(byClaim.get(row.claimId) ?? []), row]);
  for (const [claimId, history] of byClaim) {
    for (const row of history) {
      const at = row.createdAt.toISOString();
      const holders: Array<[ClaimRecipientRole, string | null]> = [
        ['responsible', row.responsibleOrganisationId],
        ['survivor_contact', row.survivorContactOrganisationId],
      ];
      // Periods that end with this row.
      for (const [key, item] of open) {
        if (item.claimId !== claimId) continue;
        if (!holders.some(([role, org]) => role === item.role && org === item.organisationId)) {
          item.until = at;
          open.delete(key);
        }
      }
      for (const [role, organisationId] of holders) {
        if (!organisationId || organisationId === ownerOrganisationId) continue;
        const key = `${claimId}:${role}:${organisationId}`;
        if (open.has(key)) continue;
        const item: ClaimRecipient = { claimId, organisationId, role, cause: row.cause, from: at, until: null };
        open.set(key, item);
        out.push(item);
      }
    }
  }
  return out.sort((x, y) => x.from.localeCompare(y.from));
}
