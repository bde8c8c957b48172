import fc from 'fast-check';
import { validateEnvironment } from '../config/env.validation';
import {
  addDays,
  alertMoments,
  alertStillDue,
  ClaimAlertState,
  deadlinePassesAt,
  deadlineTimeZone,
  DEFAULT_REMINDER_LEAD_DAYS,
  openDeadlines,
  startOfDay,
} from './deadlines';

const at = (iso: string) => new Date(iso);
const summary = (moments: ReturnType<typeof alertMoments>) => moments.map((m) => [m.kind, m.dueDate, m.at.toISOString()]);

describe('restitution deadlines', () => {
  it('reads dates in the jurisdiction’s time zone', () => {
    expect(startOfDay('2026-12-01', 'UTC').toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(startOfDay('2026-12-01', 'Asia/Bangkok').toISOString()).toBe('2026-11-30T17:00:00.000Z');
    expect(startOfDay('2026-12-01', 'Asia/Yangon').toISOString()).toBe('2026-11-30T17:30:00.000Z');
    // A zone with daylight saving: midnight is at a different UTC hour in winter and summer.
    expect(startOfDay('2026-01-15', 'Europe/Berlin').toISOString()).toBe('2026-01-14T23:00:00.000Z');
    expect(startOfDay('2026-07-15', 'Europe/Berlin').toISOString()).toBe('2026-07-14T22:00:00.000Z');
    expect(deadlinePassesAt('2026-12-01', 'Asia/Bangkok').toISOString()).toBe('2026-12-01T17:00:00.000Z');
    expect(deadlineTimeZone('TH')).toBe('Asia/Bangkok');
    expect(deadlineTimeZone('MM')).toBe('Asia/Yangon');
    expect(deadlineTimeZone('FR')).toBe('UTC');
    expect(deadlineTimeZone(null)).toBe('UTC');
    expect(addDays('2026-03-01', -14)).toBe('2026-02-15');
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  });

  it('yields a reminder 14 days before each deadline and an alert when it passes', () => {
    const moments = alertMoments(
      { filingDeadline: '2026-12-01', appealDeadline: '2027-01-20', paymentDueAt: '2027-03-31' },
      { now: at('2026-10-01T08:00:00Z'), timeZone: 'Asia/Bangkok' },
    );
    expect(DEFAULT_REMINDER_LEAD_DAYS).toBe(14);
    expect(summary(moments)).toEqual([
      ['filing_deadline_near', '2026-12-01', '2026-11-16T17:00:00.000Z'],
      ['filing_deadline_passed', '2026-12-01', '2026-12-01T17:00:00.000Z'],
      ['appeal_deadline_near', '2027-01-20', '2027-01-05T17:00:00.000Z'],
      ['appeal_deadline_passed', '2027-01-20', '2027-01-20T17:00:00.000Z'],
      ['payment_due_near', '2027-03-31', '2027-03-16T17:00:00.000Z'],
      ['payment_overdue', '2027-03-31', '2027-03-31T17:00:00.000Z'],
    ]);
  });

  it('reads the reminder lead from RESTITUTION_REMINDER_LEAD_DAYS: default 14, 0 to 365', () => {
    const base = { DATABASE_URL: 'postgres://db.invalid/lintas', REDIS_URL: 'redis://redis.invalid' };
    expect(validateEnvironment(base).RESTITUTION_REMINDER_LEAD_DAYS).toBe(DEFAULT_REMINDER_LEAD_DAYS);
    expect(validateEnvironment({ ...base, RESTITUTION_REMINDER_LEAD_DAYS: '0' }).RESTITUTION_REMINDER_LEAD_DAYS).toBe(0);
    expect(() => validateEnvironment({ ...base, RESTITUTION_REMINDER_LEAD_DAYS: '366' })).toThrow(/RESTITUTION_REMINDER_LEAD_DAYS/);
    expect(() => validateEnvironment({ ...base, RESTITUTION_REMINDER_LEAD_DAYS: 'soon' })).toThrow(/RESTITUTION_REMINDER_LEAD_DAYS/);
  });

  it('takes the reminder lead from configuration', () => {
    const moments = alertMoments({ paymentDueAt: '2027-03-31' }, { now: at('2026-10-01T00:00:00Z'), leadDays: 30 });
    expect(summary(moments)).toEqual([
      ['payment_due_near', '2027-03-31', '2027-03-01T00:00:00.000Z'],
      ['payment_overdue', '2027-03-31', '2027-04-01T00:00:00.000Z'],
    ]);
    expect(summary(alertMoments({ paymentDueAt: '2027-03-31' }, { now: at('2026-10-01T00:00:00Z'), leadDays: 0 }))[0]).toEqual([
      'payment_due_near',
      '2027-03-31',
      '2027-03-31T00:00:00.000Z',
    ]);
    expect(() => alertMoments({}, { now: at('2026-10-01T00:00:00Z'), leadDays: -1 })).toThrow(RangeError);
    expect(() => alertMoments({}, { now: at('2026-10-01T00:00:00Z'), leadDays: 1.5 })).toThrow(RangeError);
    expect(() => alertMoments({}, { now: at('2026-10-01T00:00:00Z'), timeZone: 'Mars/Olympus' })).toThrow(RangeError);
    expect(() => alertMoments({ filingDeadline: '2026-02-30' }, { now: at('2026-10-01T00:00:00Z') })).toThrow(RangeError);
  });

  it('raises a late reminder at once, and only the passed alert for a deadline already gone', () => {
    const now = at('2026-11-25T03:00:00Z');
    expect(summary(alertMoments({ filingDeadline: '2026-12-01' }, { now, timeZone: 'Asia/Bangkok' }))).toEqual([
      ['filing_deadline_near', '2026-12-01', '2026-11-25T03:00:00.000Z'],
      ['filing_deadline_passed', '2026-12-01', '2026-12-01T17:00:00.000Z'],
    ]);
    expect(summary(alertMoments({ filingDeadline: '2026-11-20' }, { now, timeZone: 'Asia/Bangkok' }))).toEqual([
      ['filing_deadline_passed', '2026-11-20', '2026-11-25T03:00:00.000Z'],
    ]);
    expect(alertMoments({ filingDeadline: null, appealDeadline: undefined }, { now })).toEqual([]);
  });

  it('never schedules in the past, and each deadline passes after its reminder (property)', () => {
    const date = fc
      .date({ min: new Date('2020-01-01'), max: new Date('2035-12-31'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(
        fc.record({ filingDeadline: fc.option(date), appealDeadline: fc.option(date), paymentDueAt: fc.option(date) }),
        fc.date({ min: new Date('2020-01-01'), max: new Date('2036-01-01'), noInvalidDate: true }),
        fc.integer({ min: 0, max: 365 }),
        fc.constantFrom('UTC', 'Asia/Bangkok', 'Asia/Yangon', 'Asia/Jakarta', 'Europe/Berlin'),
        (deadlines, now, leadDays, timeZone) => {
          const moments = alertMoments(deadlines, { now, leadDays, timeZone });
          for (const m of moments) expect(m.at.getTime()).toBeGreaterThanOrEqual(now.getTime());
          for (const m of moments.filter((x) => x.kind.endsWith('_near'))) {
            const passed = moments.find((x) => x.deadline === m.deadline && !x.kind.endsWith('_near'))!;
            expect(m.at.getTime()).toBeLessThanOrEqual(passed.at.getTime());
          }
          const present = Object.values(deadlines).filter(Boolean).length;
          expect(moments.filter((m) => !m.kind.endsWith('_near'))).toHaveLength(present);
        },
      ),
    );
  });

  describe('when an alert job runs', () => {
    const awarded: ClaimAlertState = { status: 'awarded', deadlines: { paymentDueAt: '2027-03-31' }, outstandingMinor: 3000000n };
    const overdue = { kind: 'payment_overdue' as const, dueDate: '2027-03-31' };
    const afterDue = { now: at('2027-04-01T00:00:00Z'), timeZone: 'Asia/Bangkok' };

    it('raises "payment overdue" while an awarded amount is unpaid past its due date', () => {
      expect(alertStillDue(overdue, awarded, afterDue)).toBe(true);
      expect(alertStillDue(overdue, { ...awarded, status: 'partially_paid' }, afterDue)).toBe(true);
    });

    it('stays silent once paid, when the deadline moved, when the claim moved on, or if run early', () => {
      expect(alertStillDue(overdue, { ...awarded, outstandingMinor: 0n, status: 'paid' }, afterDue)).toBe(false);
      expect(alertStillDue(overdue, { ...awarded, outstandingMinor: 0n }, afterDue)).toBe(false);
      expect(alertStillDue(overdue, { ...awarded, deadlines: { paymentDueAt: '2027-04-30' } }, afterDue)).toBe(false);
      expect(alertStillDue(overdue, { ...awarded, status: 'unenforceable' }, afterDue)).toBe(false);
      expect(alertStillDue(overdue, awarded, { now: at('2027-03-31T16:59:59Z'), timeZone: 'Asia/Bangkok' })).toBe(false);
      expect(alertStillDue(overdue, awarded, { now: at('2027-03-31T17:00:00Z'), timeZone: 'Asia/Bangkok' })).toBe(true);
    });

    it('raises filing alerts only while the claim is being prepared, appeal alerts only after a decision', () => {
      const preparing: ClaimAlertState = {
        status: 'preparing',
        deadlines: { filingDeadline: '2026-12-01', appealDeadline: '2027-01-20' },
        outstandingMinor: null,
      };
      const now = { now: at('2027-02-01T00:00:00Z') };
      expect(alertStillDue({ kind: 'filing_deadline_near', dueDate: '2026-12-01' }, preparing, now)).toBe(true);
      expect(alertStillDue({ kind: 'filing_deadline_passed', dueDate: '2026-12-01' }, preparing, now)).toBe(true);
      expect(alertStillDue({ kind: 'filing_deadline_passed', dueDate: '2026-12-01' }, { ...preparing, status: 'filed' }, now)).toBe(false);
      expect(alertStillDue({ kind: 'appeal_deadline_passed', dueDate: '2027-01-20' }, preparing, now)).toBe(false);
      expect(alertStillDue({ kind: 'appeal_deadline_passed', dueDate: '2027-01-20' }, { ...preparing, status: 'rejected' }, now)).toBe(
        true,
      );
      expect(alertStillDue({ kind: 'appeal_deadline_near', dueDate: '2027-01-20' }, { ...preparing, status: 'appealed' }, now)).toBe(false);
    });

    it('lists the deadlines still open for a case summary', () => {
      const claim: ClaimAlertState = {
        status: 'awarded',
        deadlines: { filingDeadline: '2026-06-01', appealDeadline: '2027-01-20', paymentDueAt: '2027-03-31' },
        outstandingMinor: 3000000n,
      };
      expect(openDeadlines(claim, { now: at('2027-02-01T00:00:00Z') })).toEqual([
        { deadline: 'appeal', dueDate: '2027-01-20', passed: true },
        { deadline: 'payment_due', dueDate: '2027-03-31', passed: false },
      ]);
      expect(openDeadlines({ ...claim, status: 'withdrawn' }, { now: at('2027-02-01T00:00:00Z') })).toEqual([]);
    });
  });
});
