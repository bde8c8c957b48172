import { DomainError } from '../common/errors/domain-error';
import { statusOf } from '../common/errors/error-codes';
import { REFERRAL_STATUSES, ReferralStatus, Role } from '../common/vocabulary';
import {
  assertTransition,
  nextStatuses,
  REFERRAL_ACTIONS,
  TransitionActor,
  TransitionContext,
  TRANSITIONS,
} from './referral.state-machine';

const SENDING = 'org-sending';
const RECEIVING = 'org-receiving';
const OUTSIDER = 'org-third';
const RESPONSIBLE = 'user-responsible';

/** Every kind of actor that could try a move; the name is what the expectation table below speaks of. */
const user = (organisationId: string, role: Role, userId = `user-${role}`): TransitionActor => ({
  kind: 'user',
  userId,
  organisationId,
  role,
});
const ACTORS: Record<string, TransitionActor> = {
  'sender.caseworker': user(SENDING, 'caseworker', RESPONSIBLE),
  'sender.other-caseworker': user(SENDING, 'caseworker', 'user-other'),
  'sender.supervisor': user(SENDING, 'supervisor'),
  'sender.org_admin': user(SENDING, 'org_admin'),
  'sender.auditor': user(SENDING, 'auditor'),
  'sender.platform_admin': user(SENDING, 'platform_admin'),
  'receiver.caseworker': user(RECEIVING, 'caseworker'),
  'receiver.supervisor': user(RECEIVING, 'supervisor'),
  'receiver.org_admin': user(RECEIVING, 'org_admin'),
  'receiver.auditor': user(RECEIVING, 'auditor'),
  'partner.sender': { kind: 'partner', organisationId: SENDING },
  'partner.receiver': { kind: 'partner', organisationId: RECEIVING },
  system: { kind: 'system' },
  'outsider.supervisor': user(OUTSIDER, 'supervisor'),
  'outsider.platform_admin': user(OUTSIDER, 'platform_admin'),
  'partner.outsider': { kind: 'partner', organisationId: OUTSIDER },
};

const SENDER_CASE = ['sender.caseworker', 'sender.other-caseworker', 'sender.supervisor'];
const RECEIVER_CASE = ['receiver.caseworker', 'receiver.supervisor'];
const CANCEL = { who: [...SENDER_CASE, 'partner.sender'], reason: true };
const SYSTEM = { who: ['system'] };

/**
 * The expected table, written out by hand from the issue (not derived from the code under test): who may make each
 * allowed move, cross-border and domestic, and whether a reason is needed. Every pair not listed must be refused with 409.
 */
type Expectation = { who: string[]; domesticWho?: string[]; reason?: boolean };
const EXPECTED: Record<string, Expectation> = {
  'draft>submitted': { who: SENDER_CASE },
  'draft>cancelled': CANCEL,
  'draft>recalled': SYSTEM,
  'submitted>approved': { who: ['sender.supervisor'], domesticWho: ['sender.supervisor', 'sender.caseworker'] },
  'submitted>cancelled': CANCEL,
  'submitted>recalled': SYSTEM,
  'approved>sent': SYSTEM,
  'approved>failed': SYSTEM,
  'approved>cancelled': CANCEL,
  'approved>recalled': SYSTEM,
  'sent>received': SYSTEM,
  'sent>failed': SYSTEM,
  'sent>cancelled': CANCEL,
  'sent>recalled': SYSTEM,
  'received>accepted': { who: [...RECEIVER_CASE, 'partner.receiver'] },
  'received>rejected': { who: [...RECEIVER_CASE, 'partner.receiver'], reason: true },
  'received>cancelled': CANCEL,
  'received>recalled': SYSTEM,
  'accepted>in_progress': { who: [...RECEIVER_CASE, 'partner.receiver'] },
  'accepted>recalled': SYSTEM,
  'in_progress>completed': { who: [...RECEIVER_CASE, 'partner.receiver'] },
  'in_progress>recalled': SYSTEM,
  'completed>recalled': SYSTEM,
};

const ctx = (actor: TransitionActor, crossBorder: boolean, reason?: string | null): TransitionContext => ({
  actor,
  sendingOrganisationId: SENDING,
  receivingOrganisationId: RECEIVING,
  crossBorder,
  responsibleUserId: RESPONSIBLE,
  reason,
});

function outcome(fn: () => unknown): { ok: true; value: unknown } | { ok: false; code: string; status: number; details: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { ok: false, code: err.code, status: statusOf(err.code), details: err.details };
  }
}

const PAIRS = REFERRAL_STATUSES.flatMap((from) => REFERRAL_STATUSES.map((to) => [from, to] as [ReferralStatus, ReferralStatus]));

describe('referral state machine', () => {
  it('lists exactly the allowed moves of the issue, no more and no fewer', () => {
    const table = PAIRS.filter(([from, to]) => TRANSITIONS[from][to]).map(([from, to]) => `${from}>${to}`);
    expect(table.sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(PAIRS).toHaveLength(144);
  });

  /** What the expectation table says each actor gets: "ok", or the error code. */
  function expectedOutcomes(from: ReferralStatus, to: ReferralStatus, crossBorder: boolean): Record<string, string> {
    const expected = EXPECTED[`${from}>${to}`];
    return Object.fromEntries(
      Object.keys(ACTORS).map((name) => {
        // Neither side: the referral does not exist for them, whatever its status.
        if (name.includes('outsider')) return [name, 'NOT_FOUND'];
        if (!expected) return [name, 'REFERRAL_INVALID_TRANSITION'];
        const allowed = (!crossBorder && expected.domesticWho) || expected.who;
        return [name, allowed.includes(name) ? 'ok' : 'REFERRAL_ACTION_FORBIDDEN'];
      }),
    );
  }

  describe.each([true, false])('crossBorder=%s', (crossBorder) => {
    it.each(PAIRS)('%s → %s: each actor gets what the table says', (from, to) => {
      const actual: Record<string, string> = {};
      for (const [name, actor] of Object.entries(ACTORS)) {
        const result = outcome(() => assertTransition(from, to, ctx(actor, crossBorder, 'a reason')));
        if (result.ok) {
          expect(result.value).toBe(to);
          actual[name] = 'ok';
          continue;
        }
        actual[name] = result.code;
        const expectedStatus = { NOT_FOUND: 404, REFERRAL_INVALID_TRANSITION: 409, REFERRAL_ACTION_FORBIDDEN: 403 }[result.code];
        expect(result.status).toBe(expectedStatus);
        // A 409 says what the referral is now and what was asked.
        if (result.code === 'REFERRAL_INVALID_TRANSITION') expect(result.details).toEqual({ currentStatus: from, requested: to });
      }
      expect(actual).toEqual(expectedOutcomes(from, to, crossBorder));
    });
  });

  describe('reasons', () => {
    const needsReason = Object.entries(EXPECTED).filter(([, e]) => e.reason);
    it.each(needsReason.map(([k, e]) => [k, e.who[0]]))('%s needs a reason (by %s)', (key, name) => {
      const [from, to] = key.split('>') as [ReferralStatus, ReferralStatus];
      for (const reason of [undefined, null, '', '   ']) {
        expect(outcome(() => assertTransition(from, to, ctx(ACTORS[name], true, reason)))).toMatchObject({
          ok: false,
          code: 'REFERRAL_REASON_REQUIRED',
          status: 400,
        });
      }
      expect(assertTransition(from, to, ctx(ACTORS[name], true, 'Family could not be traced'))).toBe(to);
    });

    it('moves without a required reason pass without one', () => {
      expect(assertTransition('draft', 'submitted', ctx(ACTORS['sender.caseworker'], true))).toBe('submitted');
      expect(assertTransition('received', 'accepted', ctx(ACTORS['receiver.caseworker'], true))).toBe('accepted');
    });

    it('a refused move is refused before its reason is looked at', () => {
      // A wrong-side cancel without a reason says "wrong side", not "reason missing".
      expect(outcome(() => assertTransition('draft', 'cancelled', ctx(ACTORS['receiver.supervisor'], true)))).toMatchObject({
        code: 'REFERRAL_ACTION_FORBIDDEN',
      });
    });
  });

  it('approval errors say which roles would do', () => {
    const cross = outcome(() => assertTransition('submitted', 'approved', ctx(ACTORS['sender.caseworker'], true)));
    expect(cross).toMatchObject({ code: 'REFERRAL_ACTION_FORBIDDEN', details: { requiredSide: 'sender', requiredRoles: ['supervisor'] } });
    const domesticOther = outcome(() => assertTransition('submitted', 'approved', ctx(ACTORS['sender.other-caseworker'], false)));
    expect(domesticOther).toMatchObject({ code: 'REFERRAL_ACTION_FORBIDDEN', details: { requiredRoles: ['supervisor', 'caseworker'] } });
  });

  it('a user whose organisation is both sides (never created, but harmless) acts as either', () => {
    const both: TransitionContext = { ...ctx(ACTORS['sender.supervisor'], false), receivingOrganisationId: SENDING };
    expect(assertTransition('received', 'accepted', both)).toBe('accepted');
    expect(assertTransition('received', 'cancelled', { ...both, reason: 'duplicate' })).toBe('cancelled');
  });

  it('terminal statuses lead nowhere; completed only to a recall', () => {
    for (const s of ['rejected', 'cancelled', 'failed', 'recalled'] as const) expect(nextStatuses(s)).toEqual([]);
    expect(nextStatuses('completed')).toEqual(['recalled']);
  });

  it('every REST action names a status some state can move to', () => {
    for (const to of Object.values(REFERRAL_ACTIONS)) {
      expect(REFERRAL_STATUSES.some((from) => TRANSITIONS[from][to])).toBe(true);
    }
  });

  it('the happy path of the issue walks through', () => {
    const path: Array<[ReferralStatus, string]> = [
      ['submitted', 'sender.caseworker'],
      ['approved', 'sender.supervisor'],
      ['sent', 'system'],
      ['received', 'system'],
      ['accepted', 'receiver.caseworker'],
      ['in_progress', 'receiver.caseworker'],
      ['completed', 'receiver.supervisor'],
    ];
    let status: ReferralStatus = 'draft';
    for (const [to, name] of path) status = assertTransition(status, to, ctx(ACTORS[name], true));
    expect(status).toBe('completed');
  });
});
