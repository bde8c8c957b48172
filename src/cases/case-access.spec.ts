import { Actor } from '../common/auth/actor';
import { Role, ROLES } from '../common/vocabulary';
import { caseAccess, needsBreakGlass } from './case-access';

const ORG = 'org-a';
const actor = (role: Role, userId = 'u-other', organisationId = ORG): Actor => ({
  userId,
  organisationId,
  organisationCountry: 'TH',
  role,
  sessionId: 's',
  correlationId: 'c',
});
const ordinary = { ownerOrganisationId: ORG, assignedCaseworkerId: 'u-assignee', dangerFlag: false };
const danger = { ...ordinary, dangerFlag: true };

describe('case visibility rule', () => {
  it('never shows case content to org admins, auditors or platform admins, even with a grant', () => {
    for (const role of ['org_admin', 'auditor', 'platform_admin'] as Role[]) {
      for (const c of [ordinary, danger]) {
        expect(caseAccess(actor(role, 'u-assignee'), c, true).visible).toBe(false);
        expect(needsBreakGlass(actor(role), c)).toBe(false);
      }
    }
  });

  it('never shows another organisation’s case, whatever the role, assignment or grant', () => {
    for (const role of ROLES) {
      for (const c of [ordinary, danger]) expect(caseAccess(actor(role, 'u-assignee', 'org-b'), c, true).visible).toBe(false);
    }
  });

  it('shows an ordinary case with identity to every caseworker and supervisor of the owner', () => {
    for (const role of ['caseworker', 'supervisor'] as Role[]) {
      expect(caseAccess(actor(role), ordinary)).toEqual({ visible: true, identity: 'granted', viaBreakGlass: false });
      expect(needsBreakGlass(actor(role), ordinary)).toBe(false);
    }
  });

  it('a danger-flagged case: assignee fully; supervisor without identity; other caseworkers nothing — unless the glass is broken', () => {
    expect(caseAccess(actor('caseworker', 'u-assignee'), danger)).toEqual({ visible: true, identity: 'granted', viaBreakGlass: false });
    expect(caseAccess(actor('supervisor'), danger)).toEqual({ visible: true, identity: 'withheld_danger_flag', viaBreakGlass: false });
    expect(caseAccess(actor('caseworker'), danger).visible).toBe(false);
    expect(caseAccess(actor('caseworker'), danger, true)).toEqual({ visible: true, identity: 'granted', viaBreakGlass: true });
    expect(caseAccess(actor('supervisor'), danger, true)).toEqual({ visible: true, identity: 'granted', viaBreakGlass: true });
    expect(needsBreakGlass(actor('caseworker', 'u-assignee'), danger)).toBe(false);
    expect(needsBreakGlass(actor('caseworker'), danger)).toBe(true);
    expect(needsBreakGlass(actor('supervisor'), danger)).toBe(true);
  });
});
