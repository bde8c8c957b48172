/**
 * The bodies of the referral packets deployments exchange, and their checks (pure; the signature, sender, recipient,
 * lifetime and replay were checked before these run). Every id here is the SENDING deployment's referral id: it is
 * the one id both sides know, so events travel both ways under it (`/federation/v1/referrals/{referralId}/events`).
 * A body that does not match is refused as FEDERATION_MALFORMED_PACKET, with the offending member named, never its value.
 */
import { DomainError } from '../common/errors/domain-error';
import { isInstantInRange } from '../common/validation/date-range';
import {
  CONSENT_PURPOSES,
  ConsentPurpose,
  DATA_CATEGORIES,
  DataCategory,
  REFERRAL_MILESTONES,
  ReferralMilestone,
} from '../common/vocabulary';

/** A referral packet: what the receiving organisation gets. `data` holds only the categories consent permits. */
export interface ReferralPacketBody {
  referralId: string;
  /** The sending organisation, by its id on the sending deployment (registered on the receiver as a remote organisation). */
  sendingOrganisationId: string;
  /** The receiving organisation, by its id on the receiving deployment. */
  receivingOrganisationId: string;
  purpose: ConsentPurpose;
  dataCategories: DataCategory[];
  crossBorder: boolean;
  caseReference: string;
  reason: string;
  /** Keys ⊆ dataCategories. */
  data: Partial<Record<DataCategory, Record<string, unknown>>>;
  /**
   * The case's restitution claims (snapshots, src/restitution/claim-snapshot.ts), present only when consent permits the
   * receiving organisation `restitution` for `restitution_claim`. Transport checks the shape of the list only; the
   * restitution module on the receiving side checks each claim.
   */
  restitutionClaims?: Record<string, unknown>[];
}

/** Most claims one referral packet carries. */
export const MAX_PACKET_CLAIMS = 100;

/** The moves one side tells the other about. `recalled` travels as a recall packet, `failed` never leaves its side. */
export const PARTNER_STATUSES_ON_WIRE = ['accepted', 'rejected', 'in_progress', 'completed', 'cancelled'] as const;
export type PartnerStatusOnWire = (typeof PARTNER_STATUSES_ON_WIRE)[number];

export type EventPacketBody =
  | { referralId: string; kind: 'status'; status: PartnerStatusOnWire; reason: string | null; note: string | null; occurredAt: string }
  | {
      referralId: string;
      kind: 'milestone';
      milestone: ReferralMilestone;
      skipped: boolean;
      reason: string | null;
      note: string | null;
      occurredAt: string;
    }
  /**
   * The person restricted the use of the case the referral carried (`restricted: true`), or lifted the restriction:
   * a signed notice from the sending side to the receiving one. Ids and a flag only; the person's reason stays home.
   */
  | { referralId: string; kind: 'restriction'; restricted: boolean; occurredAt: string; sequence?: number }
  /**
   * The person's case was corrected on the sending side (GDPR Art. 19): the corrected fields of the categories the
   * receiver's consent still covers, by category (keys of `data` ⊆ `categories`), merged into the packet it holds.
   */
  | RectificationEventBody
  /**
   * Restitution across deployments (docs/restitution.md, "Across borders"): the record's side sends a claim's snapshot
   * after each change; the copy's side sends a payment it recorded. The restitution module checks the content.
   */
  | { referralId: string; kind: 'restitution_claim'; claim: Record<string, unknown>; occurredAt: string }
  | { referralId: string; kind: 'restitution_payment'; claimId: string; payment: Record<string, unknown>; occurredAt: string }
  /** A change of a claim's facts made on the copy by the responsible organisation there, for the record to settle. */
  | { referralId: string; kind: 'restitution_claim_change'; claimId: string; change: Record<string, unknown>; occurredAt: string };

export type RectificationEventBody = {
  referralId: string;
  kind: 'rectification';
  /** The sending side's correction (case_corrections row); the receiver applies one correction once. */
  correctionId: string;
  categories: DataCategory[];
  data: Partial<Record<DataCategory, Record<string, unknown>>>;
  occurredAt: string;
};

/** consent_withdrawn: the person withdrew the consent the referral relied on; erasure_requested: the person asked for erasure. */
export const RECALL_REASONS = ['consent_withdrawn', 'erasure_requested'] as const;
export type RecallReason = (typeof RECALL_REASONS)[number];

export interface RecallPacketBody {
  referralId: string;
  reason: RecallReason;
}

/** The receiver's signed answer to a referral, an event or a recall; the sender keeps it as proof. */
export type AckPacketBody =
  | { ack: 'referral'; referralId: string; jti: string; receivedReferralId: string; receivedAt: string }
  | { ack: 'event'; referralId: string; jti: string }
  | { ack: 'recall'; referralId: string; jti: string; restrictedAt: string };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_TEXT = 4000;

const malformed = (member: string) =>
  new DomainError('FEDERATION_MALFORMED_PACKET', `The packet body member ${member} is missing or invalid`, { member });

function exactKeys(body: Record<string, unknown>, allowed: readonly string[], where = 'body'): void {
  const extra = Object.keys(body).find((k) => !allowed.includes(k));
  if (extra) throw malformed(`${where}.${extra}`);
}
const uuid = (v: unknown, member: string): string => {
  if (typeof v !== 'string' || !UUID.test(v)) throw malformed(member);
  return v;
};
const text = (v: unknown, member: string, max = MAX_TEXT): string => {
  if (typeof v !== 'string' || v.trim().length === 0 || v.length > max) throw malformed(member);
  return v;
};
const optionalText = (v: unknown, member: string): string | null => (v === null ? null : text(v, member));
const oneOf = <T extends string>(v: unknown, values: readonly T[], member: string): T => {
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw malformed(member);
  return v as T;
};
// Years 1900–2200 (src/common/validation/date-range.ts): -271821-04-20T00:00:00.000Z parses, and answered 500.
const isoTime = (v: unknown, member: string): string => {
  if (typeof v !== 'string' || v.length > 40 || !isInstantInRange(Date.parse(v))) throw malformed(member);
  return v;
};
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

export function parseReferralBody(body: Record<string, unknown>): ReferralPacketBody {
  exactKeys(body, [
    'referralId',
    'sendingOrganisationId',
    'receivingOrganisationId',
    'purpose',
    'dataCategories',
    'crossBorder',
    'caseReference',
    'reason',
    'data',
    'restitutionClaims',
  ]);
  const categories = body.dataCategories;
  if (!Array.isArray(categories) || categories.length === 0 || new Set(categories).size !== categories.length)
    throw malformed('dataCategories');
  categories.forEach((c, i) => oneOf(c, DATA_CATEGORIES, `dataCategories[${i}]`));
  if (!isObject(body.data)) throw malformed('data');
  for (const [key, value] of Object.entries(body.data)) {
    // The receiver never stores a category the packet does not declare: the sender's consent check covered the list.
    if (!categories.includes(key) || !isObject(value)) throw malformed(`data.${key}`);
  }
  if (typeof body.crossBorder !== 'boolean') throw malformed('crossBorder');
  const claims = body.restitutionClaims;
  if (claims !== undefined && (!Array.isArray(claims) || claims.length > MAX_PACKET_CLAIMS || !claims.every(isObject)))
    throw malformed('restitutionClaims');
  return {
    referralId: uuid(body.referralId, 'referralId'),
    sendingOrganisationId: uuid(body.sendingOrganisationId, 'sendingOrganisationId'),
    receivingOrganisationId: uuid(body.receivingOrganisationId, 'receivingOrganisationId'),
    purpose: oneOf(body.purpose, CONSENT_PURPOSES, 'purpose'),
    dataCategories: categories as DataCategory[],
    crossBorder: body.crossBorder,
    caseReference: text(body.caseReference, 'caseReference', 100),
    reason: text(body.reason, 'reason'),
    data: body.data,
    ...(claims !== undefined ? { restitutionClaims: claims } : {}),
  };
}

export function parseEventBody(body: Record<string, unknown>): EventPacketBody {
  const referralId = uuid(body.referralId, 'referralId');
  if (body.kind === 'restriction') {
    exactKeys(body, ['referralId', 'kind', 'restricted', 'occurredAt', 'sequence']);
    if (typeof body.restricted !== 'boolean') throw malformed('restricted');
    // The notice's place among the case's restriction notices (1, 2, …; a lift is even); absent from older senders.
    const sequence = body.sequence;
    if (sequence !== undefined && (typeof sequence !== 'number' || !Number.isInteger(sequence) || sequence < 1 || sequence > 2 ** 31 - 1))
      throw malformed('sequence');
    return {
      referralId,
      kind: 'restriction',
      restricted: body.restricted,
      occurredAt: isoTime(body.occurredAt, 'occurredAt'),
      ...(sequence !== undefined ? { sequence } : {}),
    };
  }
  if (body.kind === 'rectification') return parseRectification(referralId, body);
  if (body.kind === 'restitution_claim') {
    exactKeys(body, ['referralId', 'kind', 'claim', 'occurredAt']);
    if (!isObject(body.claim)) throw malformed('claim');
    return { referralId, kind: 'restitution_claim', claim: body.claim, occurredAt: isoTime(body.occurredAt, 'occurredAt') };
  }
  if (body.kind === 'restitution_payment') {
    exactKeys(body, ['referralId', 'kind', 'claimId', 'payment', 'occurredAt']);
    if (!isObject(body.payment)) throw malformed('payment');
    return {
      referralId,
      kind: 'restitution_payment',
      claimId: uuid(body.claimId, 'claimId'),
      payment: body.payment,
      occurredAt: isoTime(body.occurredAt, 'occurredAt'),
    };
  }
  if (body.kind === 'restitution_claim_change') {
    exactKeys(body, ['referralId', 'kind', 'claimId', 'change', 'occurredAt']);
    if (!isObject(body.change)) throw malformed('change');
    return {
      referralId,
      kind: 'restitution_claim_change',
      claimId: uuid(body.claimId, 'claimId'),
      change: body.change,
      occurredAt: isoTime(body.occurredAt, 'occurredAt'),
    };
  }
  const reason = optionalText(body.reason ?? null, 'reason');
  const note = optionalText(body.note ?? null, 'note');
  const occurredAt = isoTime(body.occurredAt, 'occurredAt');
  if (body.kind === 'status') {
    exactKeys(body, ['referralId', 'kind', 'status', 'reason', 'note', 'occurredAt']);
    return { referralId, kind: 'status', status: oneOf(body.status, PARTNER_STATUSES_ON_WIRE, 'status'), reason, note, occurredAt };
  }
  if (body.kind === 'milestone') {
    exactKeys(body, ['referralId', 'kind', 'milestone', 'skipped', 'reason', 'note', 'occurredAt']);
    if (typeof body.skipped !== 'boolean') throw malformed('skipped');
    return {
      referralId,
      kind: 'milestone',
      milestone: oneOf(body.milestone, REFERRAL_MILESTONES, 'milestone'),
      skipped: body.skipped,
      reason,
      note,
      occurredAt,
    };
  }
  throw malformed('kind');
}

function parseRectification(referralId: string, body: Record<string, unknown>): RectificationEventBody {
  exactKeys(body, ['referralId', 'kind', 'correctionId', 'categories', 'data', 'occurredAt']);
  const categories = body.categories;
  if (!Array.isArray(categories) || categories.length === 0 || new Set(categories).size !== categories.length)
    throw malformed('categories');
  categories.forEach((c, i) => oneOf(c, DATA_CATEGORIES, `categories[${i}]`));
  if (!isObject(body.data)) throw malformed('data');
  for (const [key, value] of Object.entries(body.data)) {
    if (!categories.includes(key) || !isObject(value)) throw malformed(`data.${key}`);
  }
  return {
    referralId,
    kind: 'rectification',
    correctionId: uuid(body.correctionId, 'correctionId'),
    categories: categories as DataCategory[],
    data: body.data,
    occurredAt: isoTime(body.occurredAt, 'occurredAt'),
  };
}

export function parseRecallBody(body: Record<string, unknown>): RecallPacketBody {
  exactKeys(body, ['referralId', 'reason']);
  return { referralId: uuid(body.referralId, 'referralId'), reason: oneOf(body.reason, RECALL_REASONS, 'reason') };
}

export function parseAckBody(body: Record<string, unknown>): AckPacketBody {
  const referralId = uuid(body.referralId, 'referralId');
  const jti = uuid(body.jti, 'jti');
  switch (body.ack) {
    case 'referral':
      exactKeys(body, ['ack', 'referralId', 'jti', 'receivedReferralId', 'receivedAt']);
      return {
        ack: 'referral',
        referralId,
        jti,
        receivedReferralId: uuid(body.receivedReferralId, 'receivedReferralId'),
        receivedAt: isoTime(body.receivedAt, 'receivedAt'),
      };
    case 'event':
      exactKeys(body, ['ack', 'referralId', 'jti']);
      return { ack: 'event', referralId, jti };
    case 'recall':
      exactKeys(body, ['ack', 'referralId', 'jti', 'restrictedAt']);
      return { ack: 'recall', referralId, jti, restrictedAt: isoTime(body.restrictedAt, 'restrictedAt') };
    default:
      throw malformed('ack');
  }
}
