/**
 * The disclosure gate: the one place that decides whether a person's data may become visible to an organisation other
 * than the one that owns the case — for a referral packet (create, approve, delivery, every read), an ownership
 * transfer, a restitution claim shown to or handed to another organisation, a consent that opens a danger-flagged case
 * to others, and the events a partner deployment is sent. It reads the facts (case, recipient, partner status,
 * break-glass, consent) and applies disclosure-rules.ts. Every other module asks it; none decides for itself.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { caseDisclosureFacts, CaseDisclosureFacts, hasActiveBreakGlass } from '../cases/case-facts';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { ConsentPurpose, DataCategory } from '../common/vocabulary/consent';
import { organisationPartnerFacts } from '../federation/partner-facts';
import { CaseHoldings } from './case-holdings-port';
import { ConsentPermitReader } from './consent-port';
import {
  decide,
  DisclosurePath,
  FederationEventEffect,
  GateBlock,
  GateDecision,
  GateRecipientFacts,
  NEW_DISCLOSURE_PATHS,
} from './disclosure-rules';

export interface DisclosureAsk {
  path: DisclosurePath;
  /** The case on this deployment; null only for an event about a referral received from a partner. */
  caseId: string | null;
  /** Null only for consent.record, whose provisions name the recipients. */
  recipientOrganisationId: string | null;
  purpose: ConsentPurpose;
  /** The categories to disclose; `{ allHeldAnd }` for an ownership transfer (every category the case holds, plus those listed). */
  categories: readonly DataCategory[] | { allHeldAnd: readonly DataCategory[] };
  /** The signed-in person opening or reading the disclosure; omitted when Lintas itself acts (delivery, events). */
  actor?: Pick<Actor, 'userId' | 'organisationId' | 'role'> | null;
  /** For referral.approve; openedViaBreakGlass is read only when the case is danger-flagged. */
  approval?: { openedByUserId: string | null; transfersOwnership: boolean; openedViaBreakGlass: () => Promise<boolean> };
  /** For case.ownership_transfer; read only when the case is danger-flagged. */
  approvedUnderDangerFlag?: () => Promise<boolean>;
  /** For restitution.view: the recipient's role on the claim (a restriction leaves a claim readable to these only). */
  claimRole?: 'responsible' | 'survivor_contact' | null;
  /** For federation.event: what the event does (a restriction lets a withdrawal or a protective milestone through). */
  eventEffect?: FederationEventEffect | null;
  /** Lock the case row (a state change that must not race a change of the danger flag or owner). */
  lockCase?: boolean;
  /** The recipient as the caller has just read it in this transaction (saves the gate reading it again). */
  recipient?: GateRecipientFacts;
  at?: Date;
}

/** What was disclosed, for the review alert of a danger-flagged case (ids and codes only). */
export interface DisclosureRecord {
  recordType: string;
  recordId: string;
}

export interface GateAnswer extends GateDecision {
  /** The categories the case holds (known when the gate read the case; restitution only for an ask of everything held). */
  held: DataCategory[];
  caseFacts: CaseDisclosureFacts | null;
}

@Injectable()
export class DisclosureGate {
  /**
   * How often each path was asked in this process (a handful of counters, one per path). The route-and-job test
   * (test/disclosure-gate.e2e-spec.ts) reads them around each request to check, route by route, that what the map in
   * disclosure-map.ts claims is what the code asks.
   */
  static readonly asked = new Map<DisclosurePath, number>();

  constructor(
    private readonly consents: ConsentPermitReader,
    private readonly holdings: CaseHoldings,
    private readonly alerts: AlertsService,
  ) {}

  /** The decision, without throwing: callers that serve a part (a read) or record a failure (delivery) use this. */
  async decide(em: EntityManager, ask: DisclosureAsk): Promise<GateAnswer> {
    DisclosureGate.asked.set(ask.path, (DisclosureGate.asked.get(ask.path) ?? 0) + 1);
    const at = ask.at ?? new Date();
    const allHeld = !Array.isArray(ask.categories);
    const facts = ask.caseId ? await this.caseFacts(em, ask.caseId, ask.lockCase === true, allHeld) : null;
    if (ask.caseId && !facts) throw notFound('Case');
    const recipient =
      ask.recipientOrganisationId === null
        ? null
        : ask.recipient?.organisationId === ask.recipientOrganisationId
          ? ask.recipient
          : await this.recipientOf(em, ask.recipientOrganisationId);
    const categories = Array.isArray(ask.categories)
      ? [...new Set(ask.categories as readonly DataCategory[])]
      : [...new Set([...(facts?.held ?? []), ...(ask.categories as { allHeldAnd: readonly DataCategory[] }).allHeldAnd])];
    const consent =
      facts && recipient && categories.length > 0
        ? await this.consents.permittedCategoriesWithConsents(em, facts.id, {
            recipientOrganisationId: recipient.organisationId,
            recipientCountry: recipient.country,
            purpose: ask.purpose,
            categories,
            at,
          })
        : {
            permitted: [],
            refused: categories.map((category): { category: DataCategory; reason: string; consentId?: string } => ({
              category,
              reason: 'no_matching_permit',
            })),
            consentIds: [],
          };
    const actor = ask.actor
      ? {
          userId: ask.actor.userId,
          organisationId: ask.actor.organisationId,
          role: ask.actor.role,
          // Only a new disclosure of a danger-flagged case by someone not assigned to it needs the grant looked up.
          breakGlass:
            NEW_DISCLOSURE_PATHS.includes(ask.path) && facts?.dangerFlag === true && ask.actor.userId !== facts.assignedCaseworkerId
              ? await hasActiveBreakGlass(em, ask.actor.userId, facts.id, facts.ownerOrganisationId, at)
              : false,
        }
      : null;
    const decision = decide({
      path: ask.path,
      purpose: ask.purpose,
      categories,
      case: facts,
      claimRole: ask.claimRole ?? null,
      eventEffect: ask.eventEffect ?? null,
      recipient,
      actor,
      consent: {
        permitted: consent.permitted,
        refused: consent.refused.map((r) => ({
          category: r.category,
          purpose: ask.purpose,
          reason: r.reason,
          ...(r.consentId ? { consentId: r.consentId } : {}),
        })),
        consentIds: consent.consentIds,
      },
      approval: ask.approval && {
        openedByUserId: ask.approval.openedByUserId,
        transfersOwnership: ask.approval.transfersOwnership,
        openedViaBreakGlass: facts?.dangerFlag === true ? await ask.approval.openedViaBreakGlass() : false,
      },
      transfer:
        ask.path === 'case.ownership_transfer'
          ? { approvedUnderDangerFlag: facts?.dangerFlag === true && (await ask.approvedUnderDangerFlag?.()) === true }
          : undefined,
    });
    return { ...decision, held: facts?.held ?? [], caseFacts: facts };
  }

  /** The case's facts; for an ask of everything held, with the categories other modules hold (a restitution claim). */
  private async caseFacts(em: EntityManager, caseId: string, lock: boolean, allHeld: boolean): Promise<CaseDisclosureFacts | null> {
    const facts = await caseDisclosureFacts(em, caseId, { lock });
    // Only a transfer of everything the case holds needs what other modules hold (one query saved on every other ask).
    if (!facts || !allHeld) return facts;
    const elsewhere = await this.holdings.categoriesHeld(em, caseId);
    return elsewhere.length === 0 ? facts : { ...facts, held: [...new Set([...facts.held, ...elsewhere])] };
  }

  /** The decision, or the DomainError that says why not (nothing is written by a refused request). */
  async assertAllowed(em: EntityManager, ask: DisclosureAsk, to: 'owner' | 'recipient' = 'owner'): Promise<GateAnswer> {
    const answer = await this.decide(em, ask);
    if (!answer.allowed) throw refusal(answer, to);
    return answer;
  }

  /**
   * After an allowed new disclosure of a danger-flagged case is written: a review alert for the owning organisation's
   * supervisors, which the person who opened it cannot resolve (another supervisor reviews it).
   */
  async recordDisclosure(
    em: EntityManager,
    answer: GateAnswer,
    actor: Pick<Actor, 'userId'> | null,
    record: DisclosureRecord,
  ): Promise<void> {
    if (!answer.needsReview || !answer.caseFacts) return;
    await this.alerts.raise(em, {
      organisationId: answer.caseFacts.ownerOrganisationId,
      type: 'disclosure_review',
      audience: 'supervisors',
      recordType: record.recordType,
      recordId: record.recordId,
      caseId: answer.caseFacts.id,
      subjectUserId: actor?.userId ?? null,
      details: { path: answer.path, viaBreakGlass: answer.viaBreakGlass },
      dedupeKey: `disclosure_review:${answer.path}:${record.recordType}:${record.recordId}`,
    });
  }

  /** The recipient organisation as the rules need it. The organisation directory and partner registry, read only. */
  private async recipientOf(em: EntityManager, organisationId: string): Promise<GateRecipientFacts | null> {
    if (!UUID.test(organisationId)) return null;
    const facts = await organisationPartnerFacts(em, organisationId);
    return facts
      ? { organisationId: facts.organisationId, country: facts.country, node: facts.node, partnerStatus: facts.partnerStatus }
      : null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The order in which a refusal is reported; details always list every block. */
const PRIORITY: readonly GateBlock[] = [
  'unknown_case',
  'unknown_actor',
  'not_owner',
  'unknown_recipient',
  'own_organisation',
  'case_closed',
  'case_restricted',
  'danger_flag',
  'second_person_required',
  'break_glass_self_approval',
  'consent_not_covering',
  'partner_inactive',
];

/**
 * The error a refused disclosure answers with. Codes and category names only: never a value from the case. `to`
 * 'recipient': the answer goes to the organisation that would have received the data, which learns only that it may
 * not (not which consent, nor that the person withdrew it).
 */
export function refusal(answer: GateDecision, to: 'owner' | 'recipient' = 'owner'): DomainError {
  const first = PRIORITY.find((b) => answer.blocks.includes(b)) ?? answer.blocks[0];
  const details =
    to === 'recipient'
      ? // Never which consent or why (a recipient must not learn that the person withdrew it). A receiver accepting a
        // transfer is told which categories stand in the way, so that it can ask the sender for a wider consent.
        answer.path === 'case.ownership_transfer'
        ? { path: answer.path, purpose: answer.purpose, refused: answer.refused.map((r) => ({ category: r.category })) }
        : { path: answer.path, purpose: answer.purpose }
      : { path: answer.path, purpose: answer.purpose, blocks: answer.blocks, refused: answer.refused };
  switch (first) {
    case 'unknown_case':
      return notFound('Case');
    case 'unknown_actor':
    case 'not_owner':
      return new DomainError('FORBIDDEN', 'Only a person of the organisation that owns the case opens it to another organisation', details);
    case 'unknown_recipient':
    case 'own_organisation':
      return new DomainError(
        'DISCLOSURE_RECIPIENT_INVALID',
        'The recipient must be another organisation known to this deployment',
        details,
      );
    case 'case_closed':
      return new DomainError('CASE_CLOSED', 'A closed case is not disclosed to anyone new', details);
    case 'case_restricted':
      return new DomainError(
        'CASE_RESTRICTED',
        'The person has restricted the use of this case: nothing new is disclosed until the restriction is lifted',
        details,
      );
    case 'danger_flag':
      return new DomainError(
        'DANGER_FLAG_DISCLOSURE',
        'This case is danger-flagged: only its assigned caseworker, or someone holding an active break-glass grant, may open it to another organisation',
        details,
      );
    case 'second_person_required':
      return new DomainError(
        'DISCLOSURE_SECOND_PERSON_REQUIRED',
        'An ownership transfer is approved by a supervisor other than the person who created the referral',
        details,
      );
    case 'break_glass_self_approval':
      return new DomainError(
        'DISCLOSURE_SECOND_PERSON_REQUIRED',
        'A disclosure opened by breaking the glass is approved by someone else',
        details,
      );
    case 'partner_inactive':
      return new DomainError(
        'PARTNER_INACTIVE',
        'The partner deployment of this organisation is suspended or retired: nothing is sent to it',
        details,
      );
    case 'consent_not_covering':
    default:
      return new DomainError(
        'CONSENT_NOT_COVERING',
        'The person’s consent does not cover every category this needs, for this recipient and purpose',
        details,
      );
  }
}
