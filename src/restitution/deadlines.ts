/**
 * Restitution deadline alerts, as pure functions of the claim and a clock. The claims service turns each AlertMoment
 * into a delayed outbox job (availableAt = at); when the job runs, alertStillDue() decides on the claim as it is then,
 * so a deadline that moved, a claim that was filed or an amount that was paid raises nothing.
 *
 * A deadline is a date (YYYY-MM-DD) in the jurisdiction's time zone: it passes when that day ends there, and the
 * reminder comes at the start of the day `leadDays` before it.
 */
import { ClaimDeadline, ClaimStatus, RestitutionAlertKind } from '../common/vocabulary/restitution';

export const DEFAULT_REMINDER_LEAD_DAYS = 14;

export interface ClaimDeadlines {
  filingDeadline?: string | null;
  appealDeadline?: string | null;
  paymentDueAt?: string | null;
}

export interface DeadlineOptions {
  now: Date;
  /** Days before a deadline the reminder comes; default 14 (RESTITUTION_REMINDER_LEAD_DAYS). */
  leadDays?: number;
  /** IANA time zone the deadline dates are in; default UTC (see deadlineTimeZone). */
  timeZone?: string;
}

export interface AlertMoment {
  kind: RestitutionAlertKind;
  deadline: ClaimDeadline;
  /** The deadline date the alert is about; the job carries it, so a moved deadline makes the old job a no-op. */
  dueDate: string;
  /** When to raise it; never before `now` (a reminder that is already late goes out at once). */
  at: Date;
}

interface DeadlineRule {
  field: keyof ClaimDeadlines;
  near: RestitutionAlertKind;
  passed: RestitutionAlertKind;
  /** The statuses in which the deadline still asks something of the responsible organisation. */
  relevantIn: readonly ClaimStatus[];
}

export const DEADLINE_RULES: Readonly<Record<ClaimDeadline, DeadlineRule>> = {
  filing: { field: 'filingDeadline', near: 'filing_deadline_near', passed: 'filing_deadline_passed', relevantIn: ['preparing'] },
  // The survivor's side appeals a rejection or an award it finds too low; once appealed or withdrawn, nothing is due.
  appeal: { field: 'appealDeadline', near: 'appeal_deadline_near', passed: 'appeal_deadline_passed', relevantIn: ['rejected', 'awarded'] },
  // Payment is chased while something is still owed; an unenforceable claim is no longer chased.
  payment_due: { field: 'paymentDueAt', near: 'payment_due_near', passed: 'payment_overdue', relevantIn: ['awarded', 'partially_paid'] },
};

const DEADLINES = Object.keys(DEADLINE_RULES) as ClaimDeadline[];
const DAY_MS = 24 * 3600 * 1000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Default time zone for deadlines set in a jurisdiction: the region Lintas serves; UTC elsewhere (pass one explicitly). */
export const JURISDICTION_TIME_ZONES: Readonly<Record<string, string>> = {
  TH: 'Asia/Bangkok',
  MM: 'Asia/Yangon',
  LA: 'Asia/Vientiane',
  KH: 'Asia/Phnom_Penh',
  VN: 'Asia/Ho_Chi_Minh',
  MY: 'Asia/Kuala_Lumpur',
  SG: 'Asia/Singapore',
  PH: 'Asia/Manila',
  // Indonesia spans three zones; its courts' deadlines are read in Jakarta time unless a zone is given.
  ID: 'Asia/Jakarta',
  BN: 'Asia/Brunei',
  TL: 'Asia/Dili',
};

export function deadlineTimeZone(jurisdiction: string | null | undefined): string {
  return (jurisdiction && JURISDICTION_TIME_ZONES[jurisdiction]) || 'UTC';
}

export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** Parses a calendar date (YYYY-MM-DD) that exists; throws otherwise (callers validate input first). */
export function parseIsoDate(value: string): { year: number; month: number; day: number } {
  const m = ISO_DATE.exec(value);
  const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!m || !date || date.toISOString().slice(0, 10) !== value) throw new RangeError('Not a calendar date (YYYY-MM-DD)');
  return { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
}

export function addDays(date: string, days: number): string {
  const { year, month, day } = parseIsoDate(date);
  return new Date(Date.UTC(year, month - 1, day) + days * DAY_MS).toISOString().slice(0, 10);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Minutes the zone is ahead of UTC at an instant (420 for Bangkok, 390 for Yangon). */
function zoneOffsetMinutes(timeZone: string, at: Date): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  const wall = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  );
  return Math.round((wall - Math.floor(at.getTime() / 1000) * 1000) / 60000);
}

/** The instant a calendar day starts in a time zone. */
export function startOfDay(date: string, timeZone: string): Date {
  const { year, month, day } = parseIsoDate(date);
  const wallMidnight = Date.UTC(year, month - 1, day);
  let instant = wallMidnight - zoneOffsetMinutes(timeZone, new Date(wallMidnight)) * 60000;
  // Around a daylight-saving change the offset at the guess can differ from the offset at midnight itself.
  const corrected = wallMidnight - zoneOffsetMinutes(timeZone, new Date(instant)) * 60000;
  if (corrected !== instant) instant = corrected;
  return new Date(instant);
}

/** The instant a deadline date has passed: the end of that day in the zone. */
export function deadlinePassesAt(dueDate: string, timeZone: string): Date {
  return startOfDay(addDays(dueDate, 1), timeZone);
}

function checkedOptions(options: DeadlineOptions): { now: Date; leadDays: number; timeZone: string } {
  const leadDays = options.leadDays ?? DEFAULT_REMINDER_LEAD_DAYS;
  if (!Number.isInteger(leadDays) || leadDays < 0 || leadDays > 365) throw new RangeError('leadDays must be an integer from 0 to 365');
  const timeZone = options.timeZone ?? 'UTC';
  if (!isTimeZone(timeZone)) throw new RangeError('timeZone must be an IANA time zone');
  return { now: options.now, leadDays, timeZone };
}

/**
 * The alert moments of a claim's deadlines: for each deadline a reminder `leadDays` before it and an alert when it
 * passes (for the payment due date: "payment overdue"). A deadline already passed at `now` yields only the passed
 * alert, at once. Whether each alert still applies is decided when it fires (alertStillDue), not here.
 */
export function alertMoments(deadlines: ClaimDeadlines, options: DeadlineOptions): AlertMoment[] {
  const { now, leadDays, timeZone } = checkedOptions(options);
  const later = (d: Date) => (d.getTime() < now.getTime() ? new Date(now.getTime()) : d);
  const moments: AlertMoment[] = [];
  for (const deadline of DEADLINES) {
    const rule = DEADLINE_RULES[deadline];
    const dueDate = deadlines[rule.field];
    if (!dueDate) continue;
    const passesAt = deadlinePassesAt(dueDate, timeZone);
    if (now.getTime() < passesAt.getTime()) {
      moments.push({ kind: rule.near, deadline, dueDate, at: later(startOfDay(addDays(dueDate, -leadDays), timeZone)) });
    }
    moments.push({ kind: rule.passed, deadline, dueDate, at: later(passesAt) });
  }
  return moments.sort((a, b) => a.at.getTime() - b.at.getTime() || a.kind.localeCompare(b.kind));
}

/** The claim as it is when an alert job runs. */
export interface ClaimAlertState {
  status: ClaimStatus;
  deadlines: ClaimDeadlines;
  /** Outstanding in the awarded currency (minor units); null before an award. */
  outstandingMinor: bigint | null;
}

function ruleOf(kind: RestitutionAlertKind): { deadline: ClaimDeadline; rule: DeadlineRule; passed: boolean } {
  for (const deadline of DEADLINES) {
    const rule = DEADLINE_RULES[deadline];
    if (rule.near === kind || rule.passed === kind) return { deadline, rule, passed: rule.passed === kind };
  }
  throw new RangeError('Unknown restitution alert kind');
}

/** Whether a deadline asks something of the organisation in the claim's current state. */
export function deadlineRelevant(deadline: ClaimDeadline, claim: ClaimAlertState): boolean {
  const rule = DEADLINE_RULES[deadline];
  if (!claim.deadlines[rule.field] || !rule.relevantIn.includes(claim.status)) return false;
  return deadline !== 'payment_due' || (claim.outstandingMinor !== null && claim.outstandingMinor > 0n);
}

/**
 * Decides, when an alert job runs, whether to raise it: the deadline must still be the date the job was scheduled for,
 * the claim must still be in a status the deadline matters for (and, for payment, still owe money), and a "passed"
 * alert must not run before the deadline has passed.
 */
export function alertStillDue(
  alert: Pick<AlertMoment, 'kind' | 'dueDate'>,
  claim: ClaimAlertState,
  options: Omit<DeadlineOptions, 'leadDays'>,
): boolean {
  const { now, timeZone } = checkedOptions(options);
  const { deadline, rule, passed } = ruleOf(alert.kind);
  if (claim.deadlines[rule.field] !== alert.dueDate) return false;
  if (!deadlineRelevant(deadline, claim)) return false;
  return !passed || now.getTime() >= deadlinePassesAt(alert.dueDate, timeZone).getTime();
}

export interface OpenDeadline {
  deadline: ClaimDeadline;
  dueDate: string;
  passed: boolean;
}

/** The deadlines that still ask something of the organisation (for a case summary), passed ones included. */
export function openDeadlines(claim: ClaimAlertState, options: Omit<DeadlineOptions, 'leadDays'>): OpenDeadline[] {
  const { now, timeZone } = checkedOptions(options);
  return DEADLINES.filter((d) => deadlineRelevant(d, claim))
    .map((deadline) => {
      const dueDate = claim.deadlines[DEADLINE_RULES[deadline].field]!;
      return { deadline, dueDate, passed: now.getTime() >= deadlinePassesAt(dueDate, timeZone).getTime() };
    })
    .sort((a, b) => a.dueDate.localeCompare(b.dueDate));
}
