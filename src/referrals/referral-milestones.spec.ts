import fc from 'fast-check';
import { DomainError } from '../common/errors/domain-error';
import { REFERRAL_MILESTONES, ReferralMilestone } from '../common/vocabulary';
import {
  acceptanceDueAt,
  assertMilestoneRecordable,
  DEFAULT_MILESTONE_PERIODS,
  DEFAULT_REFERRAL_DEADLINES,
  dueDates,
  MilestonePeriods,
  MilestoneRecordRequest,
  overdueAlertTarget,
  overdueSchedule,
  overdueStage,
} from './referral-milestones';

const at = (iso: string) => new Date(iso);
const ACCEPTED = at('2026-09-01T08:00:00Z');

describe('acceptance deadline', () => {
  it('is 72 hours after delivery by default', () => {
    expect(acceptanceDueAt(at('2026-09-01T08:00:00Z'), DEFAULT_REFERRAL_DEADLINES)).toEqual(at('2026-09-04T08:00:00Z'));
  });
  it("uses the partner's own deadline when one was agreed", () => {
    expect(acceptanceDueAt(at('2026-09-01T08:00:00Z'), DEFAULT_REFERRAL_DEADLINES, 120)).toEqual(at('2026-09-06T08:00:00Z'));
    expect(acceptanceDueAt(at('2026-09-01T08:00:00Z'), DEFAULT_REFERRAL_DEADLINES, null)).toEqual(at('2026-09-04T08:00:00Z'));
  });
});

describe('dueDates', () => {
  it('chains the default periods from acceptance when nothing is recorded yet', () => {
    expect(dueDates(ACCEPTED, DEFAULT_MILESTONE_PERIODS)).toEqual({
      home_state_notified: at('2026-09-08T08:00:00Z'), // +7 d from acceptance
      nationality_verified: at('2026-10-08T08:00:00Z'), // +30 d
      travel_documents_issued: at('2026-10-22T08:00:00Z'), // +14 d
      departed: at('2026-11-05T08:00:00Z'), // +14 d
      arrived: at('2026-11-08T08:00:00Z'), // +3 d
      reception_confirmed: at('2026-11-10T08:00:00Z'), // +2 d
    });
  });

  it('counts a "previous" milestone from when the previous one was actually recorded', () => {
    const due = dueDates(ACCEPTED, DEFAULT_MILESTONE_PERIODS, {
      home_state_notified: at('2026-09-02T08:00:00Z'), // a day after acceptance, early
      nationality_verified: at('2026-11-01T08:00:00Z'), // late
    });
    expect(due.home_state_notified).toEqual(at('2026-09-08T08:00:00Z')); // its own due date does not move
    expect(due.nationality_verified).toEqual(at('2026-10-02T08:00:00Z')); // 30 d after the early notification
    expect(due.travel_documents_issued).toEqual(at('2026-11-15T08:00:00Z')); // 14 d after the late verification
  });

  it('a skipped home-state notification counts as done when it was skipped', () => {
    const due = dueDates(ACCEPTED, DEFAULT_MILESTONE_PERIODS, { home_state_notified: ACCEPTED });
    expect(due.nationality_verified).toEqual(at('2026-10-01T08:00:00Z'));
  });

  it('counts a milestone configured "from acceptance" from acceptance, whatever came before', () => {
    const periods: MilestonePeriods = { ...DEFAULT_MILESTONE_PERIODS, departed: { hours: 24 * 60, from: 'acceptance' } };
    const due = dueDates(ACCEPTED, periods, { travel_documents_issued: at('2026-12-01T00:00:00Z') });
    expect(due.departed).toEqual(at('2026-10-31T08:00:00Z'));
    // …and the next one counts from departed's due date while departed is not recorded.
    expect(due.arrived).toEqual(at('2026-11-03T08:00:00Z'));
  });

  it('a first milestone configured "from previous" counts from acceptance', () => {
    const periods: MilestonePeriods = { ...DEFAULT_MILESTONE_PERIODS, home_state_notified: { hours: 24, from: 'previous' } };
    expect(dueDates(ACCEPTED, periods).home_state_notified).toEqual(at('2026-09-02T08:00:00Z'));
  });

  it('property: every due date comes after acceptance, and a "previous" milestone after its anchor', () => {
    const period = fc.record({
      hours: fc.integer({ min: 1, max: 24 * 365 }),
      from: fc.constantFrom('acceptance' as const, 'previous' as const),
    });
    const periods = fc
      .tuple(...REFERRAL_MILESTONES.map(() => period))
      .map((list) => Object.fromEntries(REFERRAL_MILESTONES.map((m, i) => [m, list[i]])) as MilestonePeriods);
    const offsets = fc.array(fc.option(fc.integer({ min: 0, max: 24 * 400 }), { nil: undefined }), {
      minLength: REFERRAL_MILESTONES.length,
      maxLength: REFERRAL_MILESTONES.length,
    });
    fc.assert(
      fc.property(periods, offsets, (p, offs) => {
        const recorded: Partial<Record<ReferralMilestone, Date>> = {};
        REFERRAL_MILESTONES.forEach((m, i) => {
          if (offs[i] !== undefined) recorded[m] = new Date(ACCEPTED.getTime() + offs[i] * 3600_000);
        });
        const due = dueDates(ACCEPTED, p, recorded);
        REFERRAL_MILESTONES.forEach((m, i) => {
          expect(due[m].getTime()).toBeGreaterThan(ACCEPTED.getTime());
          if (p[m].from === 'previous' && i > 0) {
            const prev = REFERRAL_MILESTONES[i - 1];
            const anchor = recorded[prev] ?? due[prev];
            expect(due[m].getTime() - anchor.getTime()).toBe(p[m].hours * 3600_000);
          }
        });
      }),
    );
  });
});

describe('overdue escalation', () => {
  const due = at('2026-09-08T08:00:00Z');
  it('alerts at the due date and escalates one period later', () => {
    expect(overdueSchedule(due, 48)).toEqual({ alertAt: due, escalateAt: at('2026-09-10T08:00:00Z') });
    expect(overdueStage(due, at('2026-09-08T07:59:59Z'), 48)).toBe('on_time');
    expect(overdueStage(due, due, 48)).toBe('overdue');
    expect(overdueStage(due, at('2026-09-10T07:59:59Z'), 48)).toBe('overdue');
    expect(overdueStage(due, at('2026-09-10T08:00:00Z'), 48)).toBe('escalated');
  });

  it('alerts the side that owns the step first, then the sending supervisors', () => {
    expect(overdueAlertTarget('acceptance', 'overdue')).toEqual({ side: 'receiver', roles: ['caseworker', 'supervisor'] });
    expect(overdueAlertTarget('home_state_notified', 'overdue')).toEqual({ side: 'sender', roles: ['caseworker', 'supervisor'] });
    expect(overdueAlertTarget('arrived', 'overdue')).toEqual({ side: 'receiver', roles: ['caseworker', 'supervisor'] });
    for (const step of ['acceptance', ...REFERRAL_MILESTONES] as const) {
      expect(overdueAlertTarget(step, 'escalated')).toEqual({ side: 'sender', roles: ['supervisor'] });
    }
  });
});

describe('recording a milestone', () => {
  const base: MilestoneRecordRequest = {
    milestone: 'arrived',
    side: 'receiver',
    status: 'in_progress',
    crossBorder: true,
    skipped: false,
    alreadyRecorded: false,
  };
  const codeOf = (req: MilestoneRecordRequest): string | undefined => {
    try {
      assertMilestoneRecordable(req);
      return undefined;
    } catch (err) {
      return (err as DomainError).code;
    }
  };

  it('each milestone is recorded by its side only', () => {
    const sides: Record<ReferralMilestone, 'sender' | 'receiver'> = {
      home_state_notified: 'sender',
      nationality_verified: 'receiver',
      travel_documents_issued: 'receiver',
      departed: 'sender',
      arrived: 'receiver',
      reception_confirmed: 'receiver',
    };
    for (const milestone of REFERRAL_MILESTONES) {
      const own = sides[milestone];
      const other = own === 'sender' ? 'receiver' : 'sender';
      expect(codeOf({ ...base, milestone, side: own })).toBeUndefined();
      expect(codeOf({ ...base, milestone, side: other })).toBe('REFERRAL_ACTION_FORBIDDEN');
    }
  });

  it('only on accepted or in-progress cross-border referrals', () => {
    expect(codeOf({ ...base, status: 'accepted' })).toBeUndefined();
    for (const status of ['draft', 'submitted', 'approved', 'sent', 'received', 'completed', 'rejected', 'recalled'] as const) {
      expect(codeOf({ ...base, status })).toBe('REFERRAL_MILESTONE_NOT_APPLICABLE');
    }
    expect(codeOf({ ...base, crossBorder: false })).toBe('REFERRAL_MILESTONE_NOT_APPLICABLE');
  });

  it('only the home-state notification may be skipped, and only with a reason', () => {
    const hsn = { ...base, milestone: 'home_state_notified' as const, side: 'sender' as const, skipped: true };
    expect(codeOf({ ...hsn, reason: 'The person objects to the notification' })).toBeUndefined();
    expect(codeOf({ ...hsn, reason: '  ' })).toBe('REFERRAL_REASON_REQUIRED');
    expect(codeOf({ ...hsn })).toBe('REFERRAL_REASON_REQUIRED');
    expect(codeOf({ ...base, skipped: true, reason: 'any' })).toBe('REFERRAL_MILESTONE_NOT_SKIPPABLE');
  });

  it('once', () => {
    expect(codeOf({ ...base, alreadyRecorded: true })).toBe('REFERRAL_MILESTONE_ALREADY_RECORDED');
  });
});
