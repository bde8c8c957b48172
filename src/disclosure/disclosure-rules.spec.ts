import { DataCategory } from '../common/vocabulary/consent';
import {
  ConsentAnswer,
  decide,
  DISCLOSURE_PATHS,
  DisclosurePath,
  GateQuestion,
  NEW_DISCLOSURE_PATHS,
  RESTRICTED_PATHS,
} from './disclosure-rules';

const OWNER = 'org-owner';
const OTHER = 'org-other';
const ASSIGNED = 'user-assigned';
const SUPERVISOR = 'user-supervisor';

const permitAll = (categories: DataCategory[]): ConsentAnswer => ({ permitted: categories, refused: [], consentIds: ['c1'] });
const refuse = (permitted: DataCategory[], refused: DataCategory[]): ConsentAnswer => ({
  permitted,
  refused: refused.map((category) => ({ category, purpose: 'service_provision', reason: 'no_matching_permit' })),
  consentIds: permitted.length ? ['c1'] : [],
});

function question(path: DisclosurePath, over: Partial<GateQuestion> = {}): GateQuestion {
  return {
    path,
    purpose: 'service_provision',
    categories: ['exploitation'],
    case: {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'active',
      dangerFlag: false,
      assignedCaseworkerId: ASSIGNED,
      restricted: false,
    },
    recipient: { organisationId: OTHER, country: 'TH', node: 'local', partnerStatus: null },
    actor: { userId: ASSIGNED, organisationId: OWNER, role: 'caseworker', breakGlass: false },
    consent: permitAll(['exploitation']),
    ...over,
  };
}

describe('disclosure rules', () => {
  it('allows what consent covers, and says which consents it rests on', () => {
    const d = decide(question('referral.create'));
    expect(d).toMatchObject({
      allowed: true,
      permitted: ['exploitation'],
      refused: [],
      consentIds: ['c1'],
      blocks: [],
      needsReview: false,
    });
  });

  it('refuses the whole disclosure when one category is not covered, on every all-or-nothing path, and shows nothing', () => {
    for (const path of [
      'referral.create',
      'referral.approve',
      'referral.deliver',
      'case.ownership_transfer',
      'restitution.responsibility',
      'restitution.view',
    ] as const) {
      const d = decide(question(path, { categories: ['identity', 'exploitation'], consent: refuse(['exploitation'], ['identity']) }));
      expect({ path, allowed: d.allowed, permitted: d.permitted, blocks: d.blocks }).toEqual({
        path,
        allowed: false,
        permitted: [],
        blocks: ['consent_not_covering'],
      });
      expect(d.refused.map((r) => r.category)).toEqual(['identity']);
    }
  });

  it('serves the covered part of a referred case on a read, and nothing once no category is covered', () => {
    const part = decide(
      question('referral.read_case', {
        categories: ['identity', 'exploitation'],
        consent: refuse(['exploitation'], ['identity']),
        actor: null,
      }),
    );
    expect(part).toMatchObject({ allowed: true, permitted: ['exploitation'] });
    const none = decide(question('referral.read_case', { consent: refuse([], ['exploitation']), actor: null }));
    expect(none).toMatchObject({ allowed: false, blocks: ['consent_not_covering'] });
  });

  it('refuses a new disclosure of a danger-flagged case to anyone but the assigned caseworker or a break-glass holder, and asks for review', () => {
    const flagged = {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'active' as const,
      dangerFlag: true,
      assignedCaseworkerId: ASSIGNED,
      restricted: false,
    };
    const supervisor = { userId: SUPERVISOR, organisationId: OWNER, role: 'supervisor', breakGlass: false };
    for (const path of NEW_DISCLOSURE_PATHS) {
      const blocked = decide(question(path, { case: flagged, actor: supervisor }));
      expect({ path, blocks: blocked.blocks }).toEqual({ path, blocks: ['danger_flag'] });
      const assigned = decide(question(path, { case: flagged }));
      expect({ path, allowed: assigned.allowed, review: assigned.needsReview, glass: assigned.viaBreakGlass }).toEqual({
        path,
        allowed: true,
        review: true,
        glass: false,
      });
      const glass = decide(question(path, { case: flagged, actor: { ...supervisor, breakGlass: true } }));
      expect({ path, allowed: glass.allowed, review: glass.needsReview, glass: glass.viaBreakGlass }).toEqual({
        path,
        allowed: true,
        review: true,
        glass: true,
      });
    }
    // Lintas itself delivering an approved packet, or the receiver reading it, is not a new disclosure.
    expect(decide(question('referral.deliver', { case: flagged, actor: null })).allowed).toBe(true);
    expect(decide(question('referral.read_case', { case: flagged, actor: null })).allowed).toBe(true);
  });

  it('lets nobody approve a danger-flagged disclosure they opened by breaking the glass', () => {
    const flagged = {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'active' as const,
      dangerFlag: true,
      assignedCaseworkerId: ASSIGNED,
      restricted: false,
    };
    const glass = { userId: SUPERVISOR, organisationId: OWNER, role: 'supervisor', breakGlass: true };
    const own = decide(
      question('referral.approve', {
        case: flagged,
        actor: glass,
        approval: { openedByUserId: SUPERVISOR, openedViaBreakGlass: true, transfersOwnership: false },
      }),
    );
    expect(own.blocks).toEqual(['break_glass_self_approval']);
    const others = decide(
      question('referral.approve', {
        case: flagged,
        actor: glass,
        approval: { openedByUserId: ASSIGNED, openedViaBreakGlass: false, transfersOwnership: false },
      }),
    );
    expect(others.allowed).toBe(true);
  });

  it('needs a second person, a supervisor, to approve an ownership transfer, domestic or not', () => {
    const transfer = (actor: GateQuestion['actor'], openedBy: string) =>
      decide(
        question('referral.approve', {
          actor,
          approval: { openedByUserId: openedBy, openedViaBreakGlass: false, transfersOwnership: true },
        }),
      ).blocks;
    expect(transfer({ userId: ASSIGNED, organisationId: OWNER, role: 'caseworker', breakGlass: false }, ASSIGNED)).toEqual([
      'second_person_required',
    ]);
    expect(transfer({ userId: SUPERVISOR, organisationId: OWNER, role: 'supervisor', breakGlass: false }, SUPERVISOR)).toEqual([
      'second_person_required',
    ]);
    expect(transfer({ userId: 'another-caseworker', organisationId: OWNER, role: 'caseworker', breakGlass: false }, ASSIGNED)).toEqual([
      'second_person_required',
    ]);
    expect(transfer({ userId: SUPERVISOR, organisationId: OWNER, role: 'supervisor', breakGlass: false }, ASSIGNED)).toEqual([]);
  });

  it('sends nothing to a suspended or retired partner deployment, but still sends it a recall', () => {
    for (const partnerStatus of ['suspended', 'retired'] as const) {
      const recipient = { organisationId: OTHER, country: 'MM', node: 'remote' as const, partnerStatus };
      expect(decide(question('referral.deliver', { recipient, actor: null })).blocks).toEqual(['partner_inactive']);
      expect(decide(question('federation.event', { recipient, actor: null })).blocks).toEqual(['partner_inactive']);
      expect(decide(question('federation.event', { recipient, actor: null, case: null })).blocks).toEqual(['partner_inactive']);
      expect(decide(question('referral.rectify', { recipient, actor: null })).blocks).toEqual(['partner_inactive']);
      expect(decide(question('federation.notice', { recipient, actor: null, consent: refuse([], []) })).allowed).toBe(true);
      expect(decide(question('federation.recall', { recipient, actor: null, consent: refuse([], []) })).allowed).toBe(true);
    }
    const active = { organisationId: OTHER, country: 'MM', node: 'remote' as const, partnerStatus: 'active' as const };
    expect(decide(question('referral.deliver', { recipient: active, actor: null })).allowed).toBe(true);
  });

  it('refers no closed case, and no case to its own organisation or to an organisation nobody knows', () => {
    const closed = {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'closed' as const,
      dangerFlag: false,
      assignedCaseworkerId: ASSIGNED,
      restricted: false,
    };
    expect(decide(question('referral.create', { case: closed })).blocks).toEqual(['case_closed']);
    expect(decide(question('referral.approve', { case: closed })).blocks).toEqual(['case_closed']);
    // Claims keep running after a case closes.
    expect(
      decide(question('restitution.view', { case: closed, categories: ['restitution'], consent: permitAll(['restitution']) })).allowed,
    ).toBe(true);
    expect(
      decide(question('referral.create', { recipient: { organisationId: OWNER, country: 'TH', node: 'local', partnerStatus: null } }))
        .blocks,
    ).toEqual(['own_organisation']);
    expect(decide(question('referral.create', { recipient: null })).blocks).toEqual(['unknown_recipient']);
  });

  it('treats a consent record as a permission, not a disclosure: only the danger flag can stop it', () => {
    expect(decide(question('consent.record', { recipient: null, categories: [], consent: refuse([], []) })).allowed).toBe(true);
  });

  it('reports every reason at once', () => {
    const flagged = {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'closed' as const,
      dangerFlag: true,
      assignedCaseworkerId: ASSIGNED,
      restricted: false,
    };
    const d = decide(
      question('referral.create', {
        case: flagged,
        actor: { userId: SUPERVISOR, organisationId: OWNER, role: 'supervisor', breakGlass: false },
        consent: refuse([], ['exploitation']),
      }),
    );
    expect(d.blocks).toEqual(['case_closed', 'danger_flag', 'consent_not_covering']);
  });

  it('lets only a named person of the organisation that owns the case now open a new disclosure', () => {
    const former = { userId: 'user-former', organisationId: 'org-former-owner', role: 'supervisor', breakGlass: true };
    for (const path of ['referral.create', 'referral.approve', 'consent.record'] as const) {
      expect(decide(question(path, { actor: former })).blocks).toContain('not_owner');
      expect(decide(question(path, { actor: null })).blocks).toContain('unknown_actor');
    }
    // A claim's responsible organisation may hand the claim on (consent decides for the next one).
    expect(
      decide(
        question('restitution.responsibility', {
          actor: { ...former, breakGlass: false },
          categories: ['restitution'],
          consent: permitAll(['restitution']),
        }),
      ).allowed,
    ).toBe(true);
  });

  it('does not hand over a case flagged after its transfer was approved', () => {
    const flagged = {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'active' as const,
      dangerFlag: true,
      assignedCaseworkerId: ASSIGNED,
      restricted: false,
    };
    const receiver = { userId: 'user-receiver', organisationId: OTHER, role: 'caseworker', breakGlass: false };
    expect(
      decide(question('case.ownership_transfer', { case: flagged, actor: receiver, transfer: { approvedUnderDangerFlag: false } })).blocks,
    ).toEqual(['danger_flag']);
    expect(
      decide(question('case.ownership_transfer', { case: flagged, actor: receiver, transfer: { approvedUnderDangerFlag: true } })).allowed,
    ).toBe(true);
  });

  describe('a restricted case', () => {
    const restricted = {
      id: 'case-1',
      ownerOrganisationId: OWNER,
      status: 'active' as const,
      dangerFlag: false,
      assignedCaseworkerId: ASSIGNED,
      restricted: true,
    };
    const remote = { organisationId: OTHER, country: 'MM', node: 'remote' as const, partnerStatus: 'active' as const };

    it('refuses every path that would show or hand something new to another organisation', () => {
      for (const path of RESTRICTED_PATHS) {
        const recipient = path === 'federation.event' ? remote : undefined;
        const d = decide(question(path, { case: restricted, ...(recipient ? { recipient } : {}) }));
        expect({ path, allowed: d.allowed, permitted: d.permitted }).toEqual({ path, allowed: false, permitted: [] });
        expect(d.blocks).toContain('case_restricted');
      }
      // The same questions on the case without the restriction are allowed (the restriction is the only reason).
      const open = { ...restricted, restricted: false };
      expect(decide(question('referral.create', { case: open })).allowed).toBe(true);
      for (const path of ['referral.deliver', 'referral.read_case', 'case.ownership_transfer'] as const)
        expect(decide(question(path, { case: open, actor: null })).allowed).toBe(true);
    });

    it('lets the sender withdraw (cancel) and protect (its milestones of the return) on a restricted case, nothing else', () => {
      const event = (eventEffect: 'withdrawal' | 'protection' | 'update' | null) =>
        decide(question('federation.event', { case: restricted, recipient: remote, actor: null, eventEffect }));
      expect(event('withdrawal').allowed).toBe(true);
      expect(event('protection').allowed).toBe(true);
      expect(event('update')).toMatchObject({ allowed: false, blocks: ['case_restricted'] });
      expect(event(null)).toMatchObject({ allowed: false, blocks: ['case_restricted'] });
      // The effect opens no other path.
      expect(decide(question('referral.deliver', { case: restricted, actor: null, eventEffect: 'withdrawal' })).blocks).toContain(
        'case_restricted',
      );
    });

    it('reports the restriction beside every other reason', () => {
      const d = decide(question('referral.create', { case: { ...restricted, status: 'closed' }, consent: refuse([], ['exploitation']) }));
      expect(d.blocks).toEqual(['case_restricted', 'case_closed', 'consent_not_covering']);
    });

    it('leaves a claim readable to the organisations pursuing it (a legal claim), and lets a recall and a notice reach the partner', () => {
      const view = (claimRole: 'responsible' | 'survivor_contact' | null) =>
        decide(
          question('restitution.view', { case: restricted, categories: ['restitution'], consent: permitAll(['restitution']), claimRole }),
        );
      expect(view('responsible').allowed).toBe(true);
      expect(view('survivor_contact').allowed).toBe(true);
      // An organisation that reads the claims by consent alone is refused like any new disclosure.
      expect(view(null)).toMatchObject({ allowed: false, blocks: ['case_restricted'] });
      const suspended = { ...remote, partnerStatus: 'suspended' as const };
      for (const path of ['federation.recall', 'federation.notice'] as const) {
        expect(
          decide(question(path, { case: restricted, recipient: suspended, actor: null, categories: [], consent: refuse([], []) })).allowed,
        ).toBe(true);
      }
    });

    it('names only known paths', () => {
      expect(RESTRICTED_PATHS.filter((p) => !DISCLOSURE_PATHS.includes(p))).toEqual([]);
    });
  });
});
