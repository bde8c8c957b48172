/**
 * Claims across deployments, the pure core (docs/restitution.md, "Across borders"). The deployment that holds the case
 * holds THE record of each claim; a partner deployment that received it with a referral holds a copy. What travels:
 *
 * - a snapshot of the claim (route, forum, status, amounts, deadlines, the whole ledger, the record's version) from the
 *   record's side to the copy's side, with the referral packet and after every change of the record;
 * - a payment or correction recorded on the copy's side, to the record's side, which appends it (merged by its id).
 *
 * Conflict rule: the record's version orders the snapshots (an older or equal one changes nothing, so a repeat is
 * harmless); the claim's facts (status, award, deadlines) have one writer, the responsible organisation, and are
 * changed only on the record, so two sides cannot change them apart; payments are append-only facts with their own
 * ids, so two sides recording payments apart is no conflict: the copy keeps its own not-yet-confirmed payments
 * (`pending`) beside any newer snapshot until a snapshot includes them. Nothing is overwritten. A payment is corrected
 * on the side that recorded it, so one payment is never reversed twice from two sides.
 *
 * Free text (notes, reasons, the payer's reference) never travels. Amounts travel as strings of digits (exact).
 */
import { DomainError } from '../common/errors/domain-error';
import { Money, parseMoney } from '../common/money/money';
import { parseDateOnly } from '../common/validation/is-date-only';
import { isCountryCode } from '../common/vocabulary/countries';
import {
  CLAIM_STATUSES,
  ClaimStatus,
  Payer,
  PAYERS,
  PAYMENT_METHODS,
  PaymentMethod,
  RESTITUTION_ROUTES,
  RestitutionRoute,
} from '../common/vocabulary/restitution';
import { ChangeOutcome, ClaimChange, parseChangeOutcome, RejectionReason } from './claim-change';
import { LedgerEntry } from './ledger';

/** Where an organisation sits, seen from the copy's side: the sending deployment, the receiving one, or neither. */
export const CLAIM_SIDES = ['sender', 'receiver', 'other'] as const;
export type ClaimSide = (typeof CLAIM_SIDES)[number];

export interface WireMoney {
  currency: string;
  /** Integer minor units as a string of digits. */
  amountMinor: string;
}

export interface SnapshotPayment {
  id: string;
  amount: WireMoney;
  paidAt: string;
  payer: Payer;
  method: PaymentMethod;
  recipientCountry: string | null;
  reversesPaymentId: string | null;
  /** Which deployment recorded it. */
  recordedBy: 'sender' | 'receiver';
}

export interface ClaimSnapshot {
  id: string;
  version: number;
  route: RestitutionRoute;
  jurisdiction: string;
  forum: string | null;
  forumCaseNumber: string | null;
  status: ClaimStatus;
  claimed: WireMoney;
  awarded: WireMoney | null;
  filedAt: string | null;
  awardedAt: string | null;
  filingDeadline: string | null;
  appealDeadline: string | null;
  paymentDueAt: string | null;
  responsible: ClaimSide;
  survivorContact: ClaimSide | null;
  /** The whole ledger, in the record's order. */
  payments: SnapshotPayment[];
  /** How the record settled the latest changes this recipient sent (claim-change.ts); absent when there were none. */
  changes?: ChangeOutcome[];
}

/** A change made here by the responsible organisation, not yet settled by the record. The reason stays here. */
export interface PendingChange extends ClaimChange {
  reason: string | null;
  requestedBy: string;
}

/** A change the record did not take (claim-change.ts, the conflict rule): kept with its values, who, when and why. */
export interface LostChange extends PendingChange {
  rejected: RejectionReason;
  rejectedAt: string;
}

/** What the copy's side keeps (sealed): the last snapshot, and its own payments not yet in a snapshot. */
export interface CopyContent {
  snapshot: ClaimSnapshot;
  pending: SnapshotPayment[];
  change?: PendingChange | null;
  conflicts?: LostChange[];
}

export const toWireMoney = (m: Money): WireMoney => ({ currency: m.currency, amountMinor: m.amountMinor.toString() });
export const fromWireMoney = (m: WireMoney): Money => ({ currency: m.currency, amountMinor: BigInt(m.amountMinor) });

/**
 * Applies a snapshot from the record's side to a copy. Returns null when it is not newer (a repeat or an event that
 * overtook a later one): nothing changes. The copy's pending payments that the snapshot now holds are dropped; the
 * others stay, so a payment recorded here while the sides were apart is never lost.
 */
export function applySnapshot(copy: CopyContent | null, snapshot: ClaimSnapshot, now: Date = new Date()): CopyContent | null {
  const settled = copy ? settleChange(copy, snapshot, now) : null;
  if (copy && snapshot.version <= copy.snapshot.version) return settled;
  const base = settled ?? copy;
  const known = new Set(snapshot.payments.map((p) => p.id));
  return {
    snapshot,
    pending: (base?.pending ?? []).filter((p) => !known.has(p.id)),
    change: base?.change ?? null,
    conflicts: base?.conflicts ?? [],
  };
}

/**
 * The copy's pending change as the snapshot settles it: applied → no longer pending (the snapshot holds it); rejected
 * → kept among the copy's conflicts, never dropped; not mentioned → still pending. Null when nothing was settled. A
 * rejection leaves the record's version as it was, so it is read even from a snapshot that is not newer.
 */
export function settleChange(copy: CopyContent, snapshot: ClaimSnapshot, now: Date): CopyContent | null {
  const change = copy.change;
  const outcome = change ? snapshot.changes?.find((c) => c.id === change.id) : undefined;
  if (!change || !outcome) return null;
  if (outcome.outcome === 'applied') return { ...copy, change: null };
  const lost: LostChange = { ...change, rejected: outcome.reason ?? 'invalid', rejectedAt: now.toISOString() };
  return { ...copy, change: null, conflicts: [...(copy.conflicts ?? []), lost].slice(-MAX_COPY_CONFLICTS) };
}

/** The change the last applySnapshot lost (the newest conflict it added), for the alert; null when none. */
export function lostBy(before: CopyContent, after: CopyContent): LostChange | null {
  const last = after.conflicts?.at(-1);
  return last && !(before.conflicts ?? []).some((c) => c.id === last.id) ? last : null;
}

/** The copy's ledger as this side shows it: the record's ledger, then this side's payments not yet confirmed. */
export function copyLedger(copy: CopyContent): SnapshotPayment[] {
  const known = new Set(copy.snapshot.payments.map((p) => p.id));
  return [...copy.snapshot.payments, ...copy.pending.filter((p) => !known.has(p.id))];
}

export const ledgerEntryOf = (p: SnapshotPayment): LedgerEntry => ({
  id: p.id,
  amount: fromWireMoney(p.amount),
  reversesPaymentId: p.reversesPaymentId,
  // A correction always had a reason; the reason itself stays on the side that recorded it.
  reason: p.reversesPaymentId ? 'on record' : null,
});

// ---- strict parsing of what a partner sent (a refusal names the member, never its value) ----

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const malformed = (member: string) =>
  new DomainError('FEDERATION_MALFORMED_PACKET', `The packet body member ${member} is missing or invalid`, { member });
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function exactKeys(v: Record<string, unknown>, keys: readonly string[], where: string): void {
  const extra = Object.keys(v).find((k) => !keys.includes(k));
  if (extra) throw malformed(`${where}.${extra}`);
  const missing = keys.find((k) => !(k in v));
  if (missing) throw malformed(`${where}.${missing}`);
}
const uuid = (v: unknown, member: string): string => {
  if (typeof v !== 'string' || !UUID.test(v)) throw malformed(member);
  return v;
};
const oneOf = <T extends string>(v: unknown, values: readonly T[], member: string): T => {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw malformed(member);
  return v as T;
};
const dateOrNull = (v: unknown, member: string): string | null => {
  if (v === null) return null;
  if (typeof v !== 'string' || parseDateOnly(v) === null) throw malformed(member);
  return v;
};
const textOrNull = (v: unknown, member: string, max: number): string | null => {
  if (v === null) return null;
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max) throw malformed(member);
  return v;
};
function wireMoney(v: unknown, member: string): WireMoney {
  if (!isObject(v) || typeof v.amountMinor !== 'string') throw malformed(member);
  exactKeys(v, ['currency', 'amountMinor'], member);
  try {
    return toWireMoney(parseMoney(v, member));
  } catch {
    throw malformed(member);
  }
}

export function parseSnapshotPayment(v: unknown, member: string): SnapshotPayment {
  if (!isObject(v)) throw malformed(member);
  exactKeys(v, ['id', 'amount', 'paidAt', 'payer', 'method', 'recipientCountry', 'reversesPaymentId', 'recordedBy'], member);
  const amount = wireMoney(v.amount, `${member}.amount`);
  if (amount.amountMinor === '0') throw malformed(`${member}.amount`);
  const paidAt = dateOrNull(v.paidAt, `${member}.paidAt`);
  if (paidAt === null) throw malformed(`${member}.paidAt`);
  if (v.recipientCountry !== null && !isCountryCode(v.recipientCountry)) throw malformed(`${member}.recipientCountry`);
  return {
    id: uuid(v.id, `${member}.id`),
    amount,
    paidAt,
    payer: oneOf(v.payer, PAYERS, `${member}.payer`),
    method: oneOf(v.method, PAYMENT_METHODS, `${member}.method`),
    recipientCountry: v.recipientCountry,
    reversesPaymentId: v.reversesPaymentId === null ? null : uuid(v.reversesPaymentId, `${member}.reversesPaymentId`),
    recordedBy: oneOf(v.recordedBy, ['sender', 'receiver'] as const, `${member}.recordedBy`),
  };
}

/** Most payments one claim's snapshot may carry (the JSON limits of a packet bound it further). */
export const MAX_SNAPSHOT_PAYMENTS = 400;
/** Most losing changes a copy keeps (the latest ones; the record's side keeps every one in restitution_claim_changes). */
export const MAX_COPY_CONFLICTS = 100;
/** Most change outcomes one snapshot carries (the latest ones). */
export const MAX_SNAPSHOT_CHANGES = 10;

export function parseClaimSnapshot(v: unknown, member: string): ClaimSnapshot {
  if (!isObject(v)) throw malformed(member);
  exactKeys(
    v,
    [
      'id',
      'version',
      'route',
      'jurisdiction',
      'forum',
      'forumCaseNumber',
      'status',
      'claimed',
      'awarded',
      'filedAt',
      'awardedAt',
      'filingDeadline',
      'appealDeadline',
      'paymentDueAt',
      'responsible',
      'survivorContact',
      'payments',
      ...('changes' in v ? ['changes'] : []),
    ],
    member,
  );
  if (v.changes !== undefined && (!Array.isArray(v.changes) || v.changes.length > MAX_SNAPSHOT_CHANGES))
    throw malformed(`${member}.changes`);
  if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version) || v.version < 1) throw malformed(`${member}.version`);
  if (!isCountryCode(v.jurisdiction)) throw malformed(`${member}.jurisdiction`);
  if (!Array.isArray(v.payments) || v.payments.length > MAX_SNAPSHOT_PAYMENTS) throw malformed(`${member}.payments`);
  const claimed = wireMoney(v.claimed, `${member}.claimed`);
  const awarded = v.awarded === null ? null : wireMoney(v.awarded, `${member}.awarded`);
  const payments = v.payments.map((p, i) => parseSnapshotPayment(p, `${member}.payments[${i}]`));
  if ([awarded, ...payments.map((p) => p.amount)].some((m) => m !== null && m.currency !== claimed.currency))
    throw malformed(`${member}.payments`);
  return {
    id: uuid(v.id, `${member}.id`),
    version: v.version,
    route: oneOf(v.route, RESTITUTION_ROUTES, `${member}.route`),
    jurisdiction: v.jurisdiction,
    forum: textOrNull(v.forum, `${member}.forum`, 200),
    forumCaseNumber: textOrNull(v.forumCaseNumber, `${member}.forumCaseNumber`, 100),
    status: oneOf(v.status, CLAIM_STATUSES, `${member}.status`),
    claimed,
    awarded,
    filedAt: dateOrNull(v.filedAt, `${member}.filedAt`),
    awardedAt: dateOrNull(v.awardedAt, `${member}.awardedAt`),
    filingDeadline: dateOrNull(v.filingDeadline, `${member}.filingDeadline`),
    appealDeadline: dateOrNull(v.appealDeadline, `${member}.appealDeadline`),
    paymentDueAt: dateOrNull(v.paymentDueAt, `${member}.paymentDueAt`),
    responsible: oneOf(v.responsible, CLAIM_SIDES, `${member}.responsible`),
    survivorContact: v.survivorContact === null ? null : oneOf(v.survivorContact, CLAIM_SIDES, `${member}.survivorContact`),
    payments,
    ...(Array.isArray(v.changes) ? { changes: v.changes.map((c, i) => parseChangeOutcome(c, `${member}.changes[${i}]`)) } : {}),
  };
}
