/**
 * The disclosure gate's rules, pure: given what the gate has read about the case, the recipient, the person asking and
 * the consent evaluator's answer, may the data go — and if not, every reason why. No Nest, no database, so each rule
 * can be walked in a spec. DisclosureGate (disclosure-gate.service.ts) reads the facts and asks this; nothing else
 * in Lintas decides whether a person's data may be shown outside the organisation that owns the case.
 *
 * The paths (docs/data-protection.md, "Disclosure paths"):
 *  - referral.create / referral.approve: a person of the owning organisation opens a new disclosure. Consent must
 *    permit every requested category (an ownership transfer: every category the case holds), the case must be open,
 *    and a danger-flagged case needs its assigned caseworker or an active break-glass grant.
 *  - referral.deliver: Lintas sends the packet. Consent must still permit every category; a partner deployment that
 *    is suspended or retired receives nothing.
 *  - referral.read_case: the receiver reads the packet; the categories consent permits now are served (at least one).
 *  - case.ownership_transfer: the receiver becomes the owner; consent must permit it every category the case holds.
 *  - consent.record: a consent that permits another organisation (or a country) on a danger-flagged case is itself
 *    a new disclosure: assigned caseworker or break-glass.
 *  - restitution.responsibility / restitution.view: another organisation is made responsible for a claim, or reads
 *    it; consent must permit it `restitution` for `restitution_claim`.
 *  - federation.event: a status change or milestone sent to the partner deployment of a referral. The partner must
 *    be active; when this side owns the case, consent must still permit at least one category of the referral.
 *  - federation.recall: always allowed to an existing partner (it only asks the partner to delete).
 *  - federation.notice: a signed notice to a partner deployment that received a referral (the person restricted the
 *    case, or lifted the restriction). It carries ids and a flag, no data of the person: allowed to an existing partner,
 *    also a suspended one, also while the case is restricted.
 *  - referral.rectify: the corrected fields of a case go to a recipient still holding it (the person's right to
 *    rectification, GDPR Art. 19). Only the categories consent still permits go (at least one, or nothing); a
 *    restriction does not stop it: a correction replaces what the recipient already holds, it discloses nothing new.
 *
 * Restriction: while the person has restricted the use of their case (POST /cases/{id}/restriction), every path that
 * would show or hand something new of it to another organisation is refused (`case_restricted`, 403 CASE_RESTRICTED):
 * RESTRICTED_PATHS. Left open: restitution.view for the organisations responsible for a claim or in contact with the
 * survivor (a claim is a legal claim, which a restriction does not stop; one reading by consent alone is refused),
 * a correction sent to the recipients that already hold the case (referral.rectify), the recall and notice, which take data back or tell a recipient to stop, and a federation.event that withdraws
 * (the sender's cancel) or protects (the sender's milestones of the person's return): FederationEventEffect.
 */
import { ConsentPurpose, DataCategory } from '../common/vocabulary/consent';
import { CaseStatus, isClosedStatus } from '../common/vocabulary';

export const DISCLOSURE_PATHS = [
  'referral.create',
  'referral.approve',
  'referral.deliver',
  'referral.read_case',
  'case.ownership_transfer',
  'consent.record',
  'restitution.responsibility',
  'restitution.view',
  'federation.event',
  'federation.recall',
  'federation.notice',
  'referral.rectify',
] as const;
export type DisclosurePath = (typeof DISCLOSURE_PATHS)[number];

/** Paths where a person of the owning organisation opens a new disclosure (danger flag, case state and review apply). */
export const NEW_DISCLOSURE_PATHS: readonly DisclosurePath[] = [
  'referral.create',
  'referral.approve',
  'consent.record',
  'restitution.responsibility',
];

/**
 * Paths that hand a set of categories to one organisation other than the owner: the owner itself is not a valid
 * recipient, and everything asked must be permitted or nothing goes. The others (a read of a referred case, an event)
 * serve the permitted part of what was already disclosed.
 */
const OPENS_TO_ANOTHER: readonly DisclosurePath[] = [
  'referral.create',
  'referral.approve',
  'referral.deliver',
  'case.ownership_transfer',
  'restitution.responsibility',
  'restitution.view',
];
const ALL_OR_NOTHING = OPENS_TO_ANOTHER;

/** Paths refused while the person has restricted the use of the case. */
export const RESTRICTED_PATHS: readonly DisclosurePath[] = [
  'referral.create',
  'referral.approve',
  'referral.deliver',
  'referral.read_case',
  'case.ownership_transfer',
  'consent.record',
  'restitution.responsibility',
  'federation.event',
];

/**
 * Paths on which the recipient's deployment must be reachable by a message (partner status). A rectification carries
 * values of the person (the corrected fields): a suspended or retired partner gets none, unlike a notice or a recall.
 */
const LEAVES_THIS_DEPLOYMENT: readonly DisclosurePath[] = ['referral.deliver', 'federation.event', 'referral.rectify'];

export const PARTNER_STATUSES_FOR_GATE = ['active', 'suspended', 'retired'] as const;
export type GatePartnerStatus = (typeof PARTNER_STATUSES_FOR_GATE)[number];

export interface GateCaseFacts {
  id: string;
  ownerOrganisationId: string;
  status: CaseStatus;
  dangerFlag: boolean;
  assignedCaseworkerId: string | null;
  /** The person has restricted the use of the case (and not lifted it). */
  restricted: boolean;
}

export interface GateRecipientFacts {
  organisationId: string;
  country: string;
  node: 'local' | 'remote';
  /** The partner deployment's status for a remote organisation; null for a local one (or a remote one without partner). */
  partnerStatus: GatePartnerStatus | null;
}

/** The person who opens the disclosure; null when Lintas itself acts (delivery, events) or a recipient reads. */
export interface GateActorFacts {
  userId: string;
  organisationId: string;
  role: string;
  /** The actor holds an unexpired break-glass grant for this case. */
  breakGlass: boolean;
}

export interface RefusedCategory {
  category: DataCategory;
  purpose: ConsentPurpose;
  reason: string;
  consentId?: string;
}

export interface ConsentAnswer {
  permitted: DataCategory[];
  refused: RefusedCategory[];
  consentIds: string[];
}

export interface GateQuestion {
  path: DisclosurePath;
  purpose: ConsentPurpose;
  /** The categories asked for (for an ownership transfer: every category the case holds). */
  categories: readonly DataCategory[];
  /** Null only for an event about a referral received from a partner: the case lives on the other deployment. */
  case: GateCaseFacts | null;
  /** Null: the recipient organisation is not known to this deployment. */
  recipient: GateRecipientFacts | null;
  actor: GateActorFacts | null;
  consent: ConsentAnswer;
  /**
   * For referral.approve: who opened the disclosure, whether they could only do so under break-glass, and whether
   * accepting it hands the whole case over.
   */
  approval?: { openedByUserId: string | null; openedViaBreakGlass: boolean; transfersOwnership: boolean };
  /** For case.ownership_transfer: the case was already danger-flagged when the transfer was approved. */
  transfer?: { approvedUnderDangerFlag: boolean };
  /** For restitution.view: the recipient's role on the claim; null when it reads by consent alone. */
  claimRole?: 'responsible' | 'survivor_contact' | null;
  /** For federation.event: what the event does (FederationEventEffect); a restriction stops only `update`. */
  eventEffect?: FederationEventEffect | null;
}

/**
 * What an event to a partner deployment does, for the restriction: `withdrawal` (the side that holds the case cancels
 * the referral: the recipient's access ends, like a recall), `protection` (a milestone of the person's return that
 * the side holding the case records — home state notified, departed — which the receiving side needs to keep the
 * person safe on arrival), `update` (anything else). A restriction stops updates only.
 */
export const FEDERATION_EVENT_EFFECTS = ['withdrawal', 'protection', 'update'] as const;
export type FederationEventEffect = (typeof FEDERATION_EVENT_EFFECTS)[number];

/** Why the whole disclosure is refused, apart from consent category by category. */
export type GateBlock =
  | 'unknown_recipient'
  | 'unknown_case'
  | 'unknown_actor'
  | 'not_owner'
  | 'own_organisation'
  | 'case_closed'
  | 'case_restricted'
  | 'danger_flag'
  | 'partner_inactive'
  | 'second_person_required'
  | 'break_glass_self_approval'
  | 'consent_not_covering';

export interface GateDecision {
  allowed: boolean;
  path: DisclosurePath;
  purpose: ConsentPurpose;
  /** The categories that may be shown now (empty when not allowed). */
  permitted: DataCategory[];
  /** Every category asked for that consent does not permit, and why. */
  refused: RefusedCategory[];
  /** The consents the permitted categories rest on (withdrawing one recalls what relied on it). */
  consentIds: string[];
  /** Every reason the disclosure as a whole is refused; empty when allowed. */
  blocks: GateBlock[];
  /** A danger-flagged case: another supervisor must review this disclosure (raised by the gate when allowed). */
  needsReview: boolean;
  /** The actor could only open this disclosure by breaking the glass. */
  viaBreakGlass: boolean;
}

/** The decision, with every reason at once (a caseworker fixing one thing should not discover the next one later). */
export function decide(q: GateQuestion): GateDecision {
  const blocks: GateBlock[] = [];
  const newDisclosure = NEW_DISCLOSURE_PATHS.includes(q.path);

  // A consent record names its recipients in its provisions; every other path names one.
  if (q.path !== 'consent.record') {
    if (!q.recipient) blocks.push('unknown_recipient');
    else if (q.case && OPENS_TO_ANOTHER.includes(q.path) && q.recipient.organisationId === q.case.ownerOrganisationId)
      blocks.push('own_organisation');
  }
  if (!q.case && q.path !== 'federation.event' && q.path !== 'federation.recall' && q.path !== 'federation.notice')
    blocks.push('unknown_case');

  // The person asked that their data be used no further: nothing new leaves while the restriction stands.
  // A restricted case's claims stay readable to the organisations pursuing them or in contact with the survivor (a
  // legal claim goes on); an organisation that reads them by consent alone is refused like any new disclosure.
  // An event that takes data back or protects the person still reaches the partner (the sender's cancel, its own
  // milestones of the return); any other event waits until the restriction is lifted.
  const protectiveEvent = q.path === 'federation.event' && (q.eventEffect === 'withdrawal' || q.eventEffect === 'protection');
  const restrictedPath = (RESTRICTED_PATHS.includes(q.path) && !protectiveEvent) || (q.path === 'restitution.view' && !q.claimRole);
  if (q.case?.restricted && restrictedPath) blocks.push('case_restricted');

  // Claims keep running after a case closes (a survivor back home is still owed); a closed case is referred to nobody.
  if ((q.path === 'referral.create' || q.path === 'referral.approve') && q.case && isClosedStatus(q.case.status))
    blocks.push('case_closed');

  // A new disclosure is opened by a named person of the organisation that owns the case now (an organisation that
  // handed the case over cannot go on opening it; a claim's responsible organisation may hand the claim on).
  if (newDisclosure && !q.actor) blocks.push('unknown_actor');
  if (
    newDisclosure &&
    q.actor &&
    q.case &&
    q.actor.organisationId !== q.case.ownerOrganisationId &&
    q.path !== 'restitution.responsibility'
  ) {
    blocks.push('not_owner');
  }

  let viaBreakGlass = false;
  if (newDisclosure && q.case?.dangerFlag) {
    const assigned = q.actor !== null && q.actor.userId === q.case.assignedCaseworkerId;
    viaBreakGlass = !assigned && q.actor?.breakGlass === true;
    if (!assigned && !viaBreakGlass) blocks.push('danger_flag');
  }

  if (q.path === 'referral.approve' && q.approval && q.actor) {
    const self = q.approval.openedByUserId !== null && q.approval.openedByUserId === q.actor.userId;
    // An ownership transfer discloses everything: a supervisor other than the person who opened it approves it.
    if (q.approval.transfersOwnership && (self || q.actor.role !== 'supervisor')) blocks.push('second_person_required');
    // Whoever opened a danger-flagged case's disclosure by breaking the glass does not approve it as well.
    if (q.case?.dangerFlag && self && (q.approval.openedViaBreakGlass || viaBreakGlass)) blocks.push('break_glass_self_approval');
  }

  // A case flagged after its transfer was approved is not handed over on that approval: the sender decides again.
  if (q.path === 'case.ownership_transfer' && q.case?.dangerFlag && !q.transfer?.approvedUnderDangerFlag) blocks.push('danger_flag');

  if (q.recipient && q.recipient.node === 'remote' && LEAVES_THIS_DEPLOYMENT.includes(q.path) && q.recipient.partnerStatus !== 'active') {
    blocks.push('partner_inactive');
  }

  const wanted = new Set(q.categories);
  const refused = q.consent.refused.filter((r) => wanted.has(r.category));
  const permitted = q.consent.permitted.filter((c) => wanted.has(c));
  // A consent record discloses nothing by itself (it is the permission), a recall only asks for deletion, and an event
  // on a referral received from a partner goes back to the case's owner; the others need consent category by category.
  const consentApplies = q.case !== null && q.path !== 'consent.record' && q.path !== 'federation.recall' && q.path !== 'federation.notice';
  if (consentApplies) {
    const notCovered = ALL_OR_NOTHING.includes(q.path)
      ? refused.length > 0 || (permitted.length === 0 && wanted.size > 0)
      : permitted.length === 0;
    if (notCovered) blocks.push('consent_not_covering');
  }

  const allowed = blocks.length === 0;
  return {
    allowed,
    path: q.path,
    purpose: q.purpose,
    permitted: allowed ? permitted : [],
    refused,
    consentIds: allowed ? q.consent.consentIds : [],
    blocks,
    needsReview: allowed && newDisclosure && q.case?.dangerFlag === true,
    viaBreakGlass,
  };
}
