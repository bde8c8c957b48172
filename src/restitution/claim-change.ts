/**
 * A change of a claim's facts made on the copy's side by the responsible partner organisation (docs/restitution.md,
 * "Across borders"), the pure core. The copy's side sends what it changed (`set`), what those fields held in the
 * version it saw (`was`, `baseVersion`); the record's side applies it or keeps it as a losing change.
 *
 * The conflict rule, in one line per case (the record wins; the loser is kept, never dropped):
 * - the sending organisation is no longer responsible on the record → rejected `not_responsible`;
 * - the record moved on since `baseVersion` AND one of the changed fields no longer holds its `was` value (someone
 *   else changed the same fact meanwhile) → rejected `stale`; other fields changing meanwhile (a payment, say) is no
 *   conflict, the change applies on top;
 * - the status move (or the data it needs) is no longer legal on the record's current state → rejected `invalid`.
 * Free text (the reason of a status move) never travels: it stays sealed on the copy.
 */
import { DomainError } from '../common/errors/domain-error';
import { parseDateOnly } from '../common/validation/is-date-only';
import { CLAIM_STATUSES, ClaimStatus } from '../common/vocabulary/restitution';

/** The facts a responsible partner may change on its copy. */
/** Money as it travels (claim-snapshot.ts WireMoney): integer minor units as a string of digits. */
export interface ChangeMoney {
  currency: string;
  amountMinor: string;
}

export const CHANGE_FIELDS = [
  'status',
  'forum',
  'forumCaseNumber',
  'awarded',
  'filedAt',
  'awardedAt',
  'filingDeadline',
  'appealDeadline',
  'paymentDueAt',
] as const;
export type ChangeField = (typeof CHANGE_FIELDS)[number];

export interface ChangeValues {
  status: ClaimStatus;
  forum: string | null;
  forumCaseNumber: string | null;
  awarded: ChangeMoney | null;
  filedAt: string | null;
  awardedAt: string | null;
  filingDeadline: string | null;
  appealDeadline: string | null;
  paymentDueAt: string | null;
}

export const REJECTION_REASONS = ['not_responsible', 'stale', 'invalid'] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** What travels from the copy's side (the change's id is also the packet's jti). */
export interface ClaimChange {
  id: string;
  baseVersion: number;
  set: Partial<ChangeValues>;
  was: Partial<ChangeValues>;
  requestedAt: string;
}

/** How the record's side settled a change; the snapshot carries the latest ones back to the copy. */
export interface ChangeOutcome {
  id: string;
  outcome: 'applied' | 'rejected';
  reason: RejectionReason | null;
}

/** The fields a change sets. */
export const changedFields = (change: Pick<ClaimChange, 'set'>): ChangeField[] => CHANGE_FIELDS.filter((f) => f in change.set);

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The record's verdict before the state machine is asked: `not_responsible`, `stale`, or null (go on). `current` is
 * the record as it is now, `version` its version.
 */
export function conflictOf(
  change: ClaimChange,
  record: { senderResponsible: boolean; version: number; values: ChangeValues },
): RejectionReason | null {
  if (!record.senderResponsible) return 'not_responsible';
  if (record.version === change.baseVersion) return null;
  const touched = changedFields(change).filter((f) => !same(record.values[f], change.was[f]) && !same(record.values[f], change.set[f]));
  return touched.length > 0 ? 'stale' : null;
}

/** The values after the change, on top of what the record holds now. */
export const valuesAfter = (current: ChangeValues, change: Pick<ClaimChange, 'set'>): ChangeValues => ({ ...current, ...change.set });

// ---- strict parsing of what a partner sent (a refusal names the member, never its value) ----

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DIGITS = /^[1-9][0-9]{0,37}$/;
const malformed = (member: string) =>
  new DomainError('FEDERATION_MALFORMED_PACKET', `The packet body member ${member} is missing or invalid`, { member });
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function parseValues(v: unknown, member: string): Partial<ChangeValues> {
  if (!isObject(v)) throw malformed(member);
  const out: Partial<ChangeValues> = {};
  for (const [key, value] of Object.entries(v)) {
    const at = `${member}.${key}`;
    switch (key as ChangeField) {
      case 'status':
        if (typeof value !== 'string' || !(CLAIM_STATUSES as readonly string[]).includes(value)) throw malformed(at);
        out.status = value as ClaimStatus;
        break;
      case 'forum':
      case 'forumCaseNumber': {
        const max = key === 'forum' ? 200 : 100;
        if (value !== null && (typeof value !== 'string' || value.trim().length === 0 || value.length > max)) throw malformed(at);
        out[key as 'forum' | 'forumCaseNumber'] = value;
        break;
      }
      case 'awarded':
        if (value === null) out.awarded = null;
        else if (
          isObject(value) &&
          Object.keys(value).length === 2 &&
          typeof value.currency === 'string' &&
          /^[A-Z]{3}$/.test(value.currency) &&
          typeof value.amountMinor === 'string' &&
          DIGITS.test(value.amountMinor)
        )
          out.awarded = { currency: value.currency, amountMinor: value.amountMinor };
        else throw malformed(at);
        break;
      case 'filedAt':
      case 'awardedAt':
      case 'filingDeadline':
      case 'appealDeadline':
      case 'paymentDueAt':
        if (value !== null && (typeof value !== 'string' || parseDateOnly(value) === null)) throw malformed(at);
        out[key as 'filedAt'] = value;
        break;
      default:
        throw malformed(at);
    }
  }
  return out;
}

export function parseClaimChange(v: unknown, member: string): ClaimChange {
  if (!isObject(v)) throw malformed(member);
  const keys = ['id', 'baseVersion', 'set', 'was', 'requestedAt'];
  const wrong = Object.keys(v).find((k) => !keys.includes(k)) ?? keys.find((k) => !(k in v));
  if (wrong) throw malformed(`${member}.${wrong}`);
  if (typeof v.id !== 'string' || !UUID.test(v.id)) throw malformed(`${member}.id`);
  if (typeof v.baseVersion !== 'number' || !Number.isSafeInteger(v.baseVersion) || v.baseVersion < 1)
    throw malformed(`${member}.baseVersion`);
  if (typeof v.requestedAt !== 'string' || v.requestedAt.length > 40 || Number.isNaN(Date.parse(v.requestedAt)))
    throw malformed(`${member}.requestedAt`);
  const set = parseValues(v.set, `${member}.set`);
  const was = parseValues(v.was, `${member}.was`);
  const fields = changedFields({ set });
  if (fields.length === 0) throw malformed(`${member}.set`);
  if (Object.keys(was).length !== fields.length || fields.some((f) => !(f in was))) throw malformed(`${member}.was`);
  return { id: v.id, baseVersion: v.baseVersion, set, was, requestedAt: v.requestedAt };
}

export function parseChangeOutcome(v: unknown, member: string): ChangeOutcome {
  if (!isObject(v) || Object.keys(v).length !== 3) throw malformed(member);
  if (typeof v.id !== 'string' || !UUID.test(v.id)) throw malformed(`${member}.id`);
  if (v.outcome === 'applied' && v.reason === null) return { id: v.id, outcome: 'applied', reason: null };
  if (v.outcome === 'rejected' && typeof v.reason === 'string' && (REJECTION_REASONS as readonly string[]).includes(v.reason))
    return { id: v.id, outcome: 'rejected', reason: v.reason as RejectionReason };
  throw malformed(member);
}

/** The changeable facts of a claim (a snapshot, or the record read into the same shape). */
export const valuesOf = (claim: ChangeValues): ChangeValues => ({
  status: claim.status,
  forum: claim.forum,
  forumCaseNumber: claim.forumCaseNumber,
  awarded: claim.awarded ? { currency: claim.awarded.currency, amountMinor: claim.awarded.amountMinor } : null,
  filedAt: claim.filedAt,
  awardedAt: claim.awardedAt,
  filingDeadline: claim.filingDeadline,
  appealDeadline: claim.appealDeadline,
  paymentDueAt: claim.paymentDueAt,
});
