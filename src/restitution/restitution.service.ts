import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, In, QueryFailedError } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditActor, AuditService } from '../audit/audit.service';
import { CaseEntity } from '../cases/case.entity';
import { CaseKeyEntity } from '../cases/case-key.entity';
import { isCaseStaff } from '../cases/case-access';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow, PageQueryDto } from '../common/http/pagination';
import { assertCurrency, Money, toMoneyJson } from '../common/money/money';
import { moneyFromDto } from '../common/money/money.dto';
import { todayUtc } from '../common/validation/is-date-only';
import { ClaimStatus, ClaimTransferMode, ResponsibilityCause } from '../common/vocabulary/restitution';
import { AppConfig } from '../config/app-config';
import { DisclosureGate, GateAnswer, refusal } from '../disclosure/disclosure-gate.service';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { OutboxService } from '../outbox/outbox.service';
import { assertCanRecord, assertClaimFacts, ClaimFacts, REASON_REQUIRED, resolveManualMove, statusAfterLedger } from './claim.state-machine';
import { awardedOf, claimedOf, deadlinesOf, ledgerEntry, ledgersOf } from './claim-records';
import { ClaimResponsibilityEntity } from './claim-responsibility.entity';
import { alertMoments, deadlineTimeZone, openDeadlines } from './deadlines';
import { assertAppendable, claimBalance, LedgerEntry, summariseClaims } from './ledger';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionPaymentEntity } from './restitution-payment.entity';
import {
  CreateRestitutionClaimDto,
  MoveResponsibilityDto,
  RecordPaymentDto,
  UpdateRestitutionClaimDto,
} from './dto/restitution-input.dto';
import {
  CaseDeadlineDto,
  ClaimAccess,
  PaymentResponseDto,
  RecordedPaymentResponseDto,
  ResponsibilityPeriodDto,
  ResponsibilityResponseDto,
  RestitutionClaimResponseDto,
  RestitutionSummaryDto,
} from './dto/restitution-response.dto';
import { RESTITUTION_JOBS } from './jobs/restitution.jobs';

/** Associated data of the sealed free-text fields: each ciphertext is bound to its case (by the key) and its record. */
const notesField = (claimId: string) => `restitutionNotes:${claimId}`;
const statusReasonField = (claimId: string) => `restitutionStatusReason:${claimId}`;
const paymentReasonField = (paymentId: string) => `restitutionPaymentReason:${paymentId}`;

const RECORD_TYPE = 'restitution_claim';
const NOT_FOUND_WHAT = 'Restitution claim';
/** What a consent must permit for an organisation that is not the claim's own to see it. */
const CONSENT_PURPOSE = 'restitution_claim' as const;
const CONSENT_CATEGORY = 'restitution' as const;

type UpdatableField = Exclude<keyof UpdateRestitutionClaimDto, 'reason'>;
const UPDATABLE: UpdatableField[] = [
  'status',
  'route',
  'jurisdiction',
  'forum',
  'forumCaseNumber',
  'claimed',
  'awarded',
  'filedAt',
  'awardedAt',
  'filingDeadline',
  'appealDeadline',
  'paymentDueAt',
  'notes',
];
const SCHEDULE_FIELDS: UpdatableField[] = ['jurisdiction', 'filingDeadline', 'appealDeadline', 'paymentDueAt'];

interface Sealed {
  notes?: string | null;
  statusReason?: string | null;
}

/**
 * Restitution claims, their payments ledger and who pursues them. Each state change is one transaction: the claim row
 * (locked), the ledger or history row, the delayed deadline jobs and the audit event commit together.
 *
 * Who sees a claim:
 *  - in the organisation that owns the case: whoever CasesService.findAccessible lets see the case (danger flag and
 *    break-glass rules included);
 *  - the claim's responsible organisation and its survivor-contact organisation (caseworkers and supervisors);
 *  - any other organisation only while the case's consent permits the `restitution` category for the purpose
 *    `restitution_claim` to it; read-only, without the free-text fields.
 * Everyone else gets the 404 of a missing claim. Only the responsible organisation changes a claim or records payments.
 */
@Injectable()
export class RestitutionService {
  private readonly logger = new Logger(RestitutionService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cases: CasesService,
    private readonly gate: DisclosureGate,
    private readonly crypto: CaseCryptoService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly alerts: AlertsService,
  ) {}

  // ---------------------------------------------------------------- access

  private async caseVisible(em: EntityManager, actor: Actor, caseId: string): Promise<boolean> {
    try {
      await this.cases.findAccessible(em, actor, caseId);
      return true;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  }

  /** The disclosure gate: may the actor's organisation, which does not own the case, see its claims now? */
  private viewDecision(em: EntityManager, actor: Actor, caseId: string): Promise<GateAnswer> {
    return this.gate.decide(em, {
      path: 'restitution.view',
      caseId,
      recipientOrganisationId: actor.organisationId,
      purpose: CONSENT_PURPOSE,
      categories: [CONSENT_CATEGORY],
      actor,
    });
  }

  /** The organisation that opened the claim: the claim is its own record, so showing it to it discloses nothing. */
  private async openedBy(em: EntityManager, claimId: string): Promise<string | null> {
    const first = await em.findOne(ClaimResponsibilityEntity, { select: { id: true, responsibleOrganisationId: true }, where: { claimId, cause: 'claim_created' } });
    return first?.responsibleOrganisationId ?? null;
  }

  /**
   * Why this actor sees the claim, or null when it does not. Outside the case's organisation, the responsible and the
   * survivor-contact organisations see it (free text included) only while consent permits them `restitution` for
   * `restitution_claim` — unless they opened the claim themselves — and are told why when it no longer does.
   */
  private async accessTo(em: EntityManager, actor: Actor, claim: RestitutionClaimEntity): Promise<ClaimAccess | null> {
    if (!isCaseStaff(actor)) return null;
    const owner = await em.findOne(CaseEntity, { select: { id: true, ownerOrganisationId: true }, where: { id: claim.caseId } });
    if (!owner) return null;
    if (owner.ownerOrganisationId === actor.organisationId) {
      // Inside the case's organisation the case's own rule decides, responsible or not (a danger-flagged case stays hidden).
      if (!(await this.caseVisible(em, actor, claim.caseId))) return null;
      return claim.responsibleOrganisationId === actor.organisationId ? 'responsible' : 'case';
    }
    const role: ClaimAccess | null =
      claim.responsibleOrganisationId === actor.organisationId ? 'responsible' : claim.survivorContactOrganisationId === actor.organisationId ? 'survivor_contact' : null;
    if (role && (await this.openedBy(em, claim.id)) === actor.organisationId) return role;
    const gate = await this.viewDecision(em, actor, claim.caseId);
    if (gate.allowed) return role ?? 'consent';
    if (role) throw refusal(gate, 'recipient');
    return null;
  }

  private async resolveClaim(
    em: EntityManager,
    actor: Actor,
    claimId: string,
    /** ownerMayWrite: the case's own organisation may act too (it takes back a claim it handed out). */
    opts: { lock?: boolean; write?: boolean; ownerMayWrite?: boolean } = {},
  ): Promise<{ claim: RestitutionClaimEntity; access: ClaimAccess }> {
    if (!isCaseStaff(actor)) throw notFound(NOT_FOUND_WHAT);
    const claim = await em.findOne(RestitutionClaimEntity, {
      where: { id: claimId },
      ...(opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!claim) throw notFound(NOT_FOUND_WHAT);
    const access = await this.accessTo(em, actor, claim);
    if (!access) throw notFound(NOT_FOUND_WHAT);
    if (opts.write && access !== 'responsible' && !(opts.ownerMayWrite && access === 'case')) {
      throw new DomainError('RESTITUTION_NOT_RESPONSIBLE', 'Only the organisation responsible for this claim can change it or record payments', {
        claimId,
      });
    }
    return { claim, access };
  }

  // ---------------------------------------------------------------- claims

  async create(actor: Actor, caseId: string, dto: CreateRestitutionClaimDto): Promise<RestitutionClaimResponseDto> {
    return this.dataSource.transaction(async (em) => {
      await this.cases.findAccessible(em, actor, caseId);
      const claimed = moneyFromDto(dto.claimed, 'claimed');
      const facts: ClaimFacts = { claimed, awarded: null, forum: dto.forum ?? null, filedAt: dto.filedAt ?? null, awardedAt: null };
      let status: ClaimStatus = 'preparing';
      if (dto.filedAt) status = resolveManualMove('preparing', { to: 'filed', facts, ledger: [] });
      else assertClaimFacts('preparing', facts);

      const id = randomUUID();
      const notesCiphertext = dto.notes ? await this.sealRequired(em, caseId, notesField(id), dto.notes) : null;
      await em.insert(RestitutionClaimEntity, {
        id,
        caseId,
        route: dto.route,
        jurisdiction: dto.jurisdiction,
        forum: dto.forum ?? null,
        forumCaseNumber: dto.forumCaseNumber ?? null,
        currency: claimed.currency,
        claimedMinor: claimed.amountMinor,
        awardedMinor: null,
        status,
        filedAt: dto.filedAt ?? null,
        awardedAt: null,
        filingDeadline: dto.filingDeadline ?? null,
        appealDeadline: dto.appealDeadline ?? null,
        paymentDueAt: dto.paymentDueAt ?? null,
        responsibleOrganisationId: actor.organisationId,
        survivorContactOrganisationId: null,
        notesCiphertext,
        statusReasonCiphertext: null,
        version: 1,
        createdBy: actor.userId,
      });
      await em.insert(ClaimResponsibilityEntity, {
        claimId: id,
        responsibleOrganisationId: actor.organisationId,
        survivorContactOrganisationId: null,
        cause: 'claim_created',
        changedByUserId: actor.userId,
        changedByOrganisationId: actor.organisationId,
      });
      const claim = await em.findOneOrFail(RestitutionClaimEntity, { where: { id } });
      const jobs = await this.scheduleDeadlines(em, claim, actor.correlationId);
      await this.audit.record(em, actor, {
        action: 'restitution_claim.create',
        recordType: RECORD_TYPE,
        recordId: id,
        purpose: CONSENT_PURPOSE,
        details: { caseId, route: dto.route, currency: claimed.currency, status, deadlineJobs: jobs },
      });
      return this.view(claim, [], 'responsible', { notes: dto.notes ?? null, statusReason: null });
    });
  }

  async list(actor: Actor, caseId: string, query: PageQueryDto): Promise<Page<RestitutionClaimResponseDto>> {
    const em = this.dataSource.manager;
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    if (!isCaseStaff(actor)) throw notFound('Case');
    const visible = await this.caseVisible(em, actor, caseId);
    const owned = visible ? false : (await em.count(CaseEntity, { where: { id: caseId, ownerOrganisationId: actor.organisationId } })) > 0;
    // A case of the caller's own organisation that the case rule hides stays hidden, claims and all.
    if (owned) throw notFound('Case');
    const consented = !visible && (await this.caseExists(em, caseId)) && (await this.viewDecision(em, actor, caseId)).allowed;
    const qb = em.createQueryBuilder(RestitutionClaimEntity, 'c').where('c.case_id = :caseId', { caseId });
    if (!visible && !consented) {
      // Without consent another organisation sees only the claims it opened itself and still pursues or pays out.
      qb.andWhere('(c.responsible_organisation_id = :org OR c.survivor_contact_organisation_id = :org)', { org: actor.organisationId });
      qb.andWhere(
        `c.id IN (SELECT h.claim_id FROM claim_responsibility_history h WHERE h.claim_id = c.id AND h.cause = 'claim_created' AND h.responsible_organisation_id = :org)`,
        { org: actor.organisationId },
      );
    }
    const [rows, total] = await qb.orderBy('c.created_at', 'ASC').addOrderBy('c.id', 'ASC').skip(skip).take(limit).getManyAndCount();
    if (!visible && !consented && total === 0) throw notFound('Case');
    if (consented) {
      await this.audit.record(em, actor, { action: 'restitution_claim.list', recordType: 'case', recordId: caseId, purpose: CONSENT_PURPOSE, details: { access: 'consent', claims: rows.length } });
    }
    const ledgers = await ledgersOf(em, rows.map((r) => r.id));
    return {
      items: rows.map((c) => this.view(c, ledgers.get(c.id)!, this.listAccess(actor, c, visible))),
      total,
      page,
      limit,
    };
  }

  private listAccess(actor: Actor, claim: RestitutionClaimEntity, caseVisible: boolean): ClaimAccess {
    if (claim.responsibleOrganisationId === actor.organisationId) return 'responsible';
    if (caseVisible) return 'case';
    if (claim.survivorContactOrganisationId === actor.organisationId) return 'survivor_contact';
    return 'consent';
  }

  private async caseExists(em: EntityManager, caseId: string): Promise<boolean> {
    return (await em.count(CaseEntity, { where: { id: caseId } })) > 0;
  }

  async get(actor: Actor, claimId: string): Promise<RestitutionClaimResponseDto> {
    const em = this.dataSource.manager;
    const { claim, access } = await this.resolveClaim(em, actor, claimId);
    const ledger = (await ledgersOf(em, [claimId])).get(claimId)!;
    const sealed = access === 'consent' ? undefined : await this.openClaimText(em, claim);
    // A read by a partner under consent is a disclosure; every read of a claim is recorded with why it was allowed.
    await this.audit.record(em, actor, {
      action: 'restitution_claim.read',
      recordType: RECORD_TYPE,
      recordId: claimId,
      purpose: CONSENT_PURPOSE,
      details: { caseId: claim.caseId, access },
    });
    return this.view(claim, ledger, access, sealed);
  }

  async update(actor: Actor, claimId: string, expectedVersion: number, dto: UpdateRestitutionClaimDto): Promise<RestitutionClaimResponseDto> {
    const fields = UPDATABLE.filter((f) => dto[f] !== undefined);
    if (fields.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: '(body)', errors: ['names no field to change'] }]);
    }
    if (dto.reason !== undefined && dto.status === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: 'reason', errors: ['is given with a status move only'] }]);
    }
    return this.dataSource.transaction(async (em) => {
      const { claim } = await this.resolveClaim(em, actor, claimId, { lock: true, write: true });
      if (claim.version !== expectedVersion) throw new DomainError('PRECONDITION_FAILED', 'If-Match does not match the current version');
      const rows = (await ledgersOf(em, [claimId])).get(claimId)!;

      const claimed = dto.claimed !== undefined ? moneyFromDto(dto.claimed, 'claimed') : claimedOf(claim);
      // The claim keeps one currency once money has moved in it.
      if (claimed.currency !== claim.currency && rows.length > 0) assertCurrency(claim.currency, claimed, 'claimed');
      const awarded: Money | null = dto.awarded === undefined ? awardedOf(claim) : dto.awarded === null ? null : moneyFromDto(dto.awarded, 'awarded');
      const next = {
        forum: dto.forum !== undefined ? dto.forum : claim.forum,
        filedAt: dto.filedAt !== undefined ? dto.filedAt : claim.filedAt,
        awardedAt: dto.awardedAt !== undefined ? dto.awardedAt : claim.awardedAt,
      };
      const facts: ClaimFacts = { claimed, awarded, ...next };
      const from = claim.status;
      const to = resolveManualMove(from, { to: dto.status ?? from, facts, reason: dto.reason ?? null, ledger: rows.map(ledgerEntry) });

      const changes: Partial<RestitutionClaimEntity> = {
        ...next,
        route: dto.route ?? claim.route,
        jurisdiction: dto.jurisdiction ?? claim.jurisdiction,
        forumCaseNumber: dto.forumCaseNumber !== undefined ? dto.forumCaseNumber : claim.forumCaseNumber,
        currency: claimed.currency,
        claimedMinor: claimed.amountMinor,
        awardedMinor: awarded ? awarded.amountMinor : null,
        status: to,
        filingDeadline: dto.filingDeadline !== undefined ? dto.filingDeadline : claim.filingDeadline,
        appealDeadline: dto.appealDeadline !== undefined ? dto.appealDeadline : claim.appealDeadline,
        paymentDueAt: dto.paymentDueAt !== undefined ? dto.paymentDueAt : claim.paymentDueAt,
        version: claim.version + 1,
      };
      const sealed: Sealed = {};
      if (dto.notes !== undefined) {
        changes.notesCiphertext = dto.notes === null ? null : await this.sealRequired(em, claim.caseId, notesField(claimId), dto.notes);
        sealed.notes = dto.notes;
      }
      const moved = to !== from && dto.status !== undefined && dto.status !== from;
      if (moved && dto.reason) {
        changes.statusReasonCiphertext = await this.sealRequired(em, claim.caseId, statusReasonField(claimId), dto.reason);
        sealed.statusReason = dto.reason;
      } else if (moved && !REASON_REQUIRED.includes(to)) {
        // A claim back in play (appealed, awarded again) no longer carries the reason of its last negative outcome.
        changes.statusReasonCiphertext = null;
        sealed.statusReason = null;
      }
      await em.update(RestitutionClaimEntity, { id: claimId, version: claim.version }, changes);
      const updated = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claimId } });

      let jobs = 0;
      if (to !== from || SCHEDULE_FIELDS.some((f) => dto[f] !== undefined)) jobs = await this.scheduleDeadlines(em, updated, actor.correlationId);
      let resolvedAlerts = 0;
      if (to === 'withdrawn') resolvedAlerts = await this.alerts.resolveOpenForRecord(em, { recordType: RECORD_TYPE, recordId: claimId }, 'record_closed');
      // Field names and status codes only: amounts, forum names and reasons stay out of the trail.
      await this.audit.record(em, actor, {
        action: 'restitution_claim.update',
        recordType: RECORD_TYPE,
        recordId: claimId,
        purpose: CONSENT_PURPOSE,
        details: { caseId: claim.caseId, fields, from, to, currency: claimed.currency, deadlineJobs: jobs, resolvedAlerts },
      });
      const text = await this.openClaimText(em, updated);
      return this.view(updated, rows, 'responsible', { ...text, ...sealed });
    });
  }

  // ---------------------------------------------------------------- payments

  async recordPayment(actor: Actor, claimId: string, dto: RecordPaymentDto): Promise<RecordedPaymentResponseDto> {
    const correction = dto.reversesPaymentId !== undefined;
    if (!correction && dto.reason !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: 'reason', errors: ['belongs to a correction (with reversesPaymentId) only'] }]);
    }
    if (correction && dto.recipientCountry !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: 'recipientCountry', errors: ['is taken from the reversed payment on a correction'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      // The row lock serialises every ledger write of this claim: concurrent payments each see the ones before them.
      const { claim } = await this.resolveClaim(em, actor, claimId, { lock: true, write: true });
      const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
      const entries = rows.map(ledgerEntry);
      const target = correction ? rows.find((r) => r.id === dto.reversesPaymentId) : undefined;
      const id = randomUUID();
      const amount: Money = dto.amount
        ? moneyFromDto(dto.amount, 'amount')
        : target
          ? { currency: target.currency, amountMinor: target.amountMinor }
          : // An unknown payment to reverse: assertAppendable answers unknown_payment whatever the amount.
            { currency: claim.currency, amountMinor: 1n };
      const entry: LedgerEntry = { id, amount, reversesPaymentId: dto.reversesPaymentId ?? null, reason: dto.reason ?? null };
      assertCanRecord(claim.status, entry);
      assertCurrency(claim.currency, amount, 'amount');
      assertAppendable(entries, entry);

      const reasonCiphertext = correction ? await this.sealOptional(em, claim.caseId, paymentReasonField(id), dto.reason!) : null;
      try {
        await em.insert(RestitutionPaymentEntity, {
          id,
          claimId,
          currency: amount.currency,
          amountMinor: amount.amountMinor,
          paidAt: dto.paidAt ?? todayUtc(),
          payer: dto.payer ?? target!.payer,
          method: dto.method ?? target!.method,
          recipientCountry: correction ? target!.recipientCountry : (dto.recipientCountry ?? null),
          reference: dto.reference ?? null,
          reversesPaymentId: dto.reversesPaymentId ?? null,
          hasReason: correction,
          reasonCiphertext,
          recordedByUserId: actor.userId,
          recordedByOrganisationId: actor.organisationId,
        });
      } catch (err) {
        // The unique index is the last word on "reversed once", should the row lock ever be bypassed.
        if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') {
          throw new DomainError('PAYMENT_ALREADY_REVERSED', 'That payment has already been reversed', { field: 'reversesPaymentId', problem: 'already_reversed' });
        }
        throw err;
      }
      const ledger = [...entries, entry];
      const from = claim.status;
      const to = statusAfterLedger(from, awardedOf(claim), ledger);
      await em.update(RestitutionClaimEntity, { id: claimId, version: claim.version }, { status: to, version: claim.version + 1 });
      const updated = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claimId } });

      const jobs = to !== from ? await this.scheduleDeadlines(em, updated, actor.correlationId) : 0;
      const balance = claimBalance(awardedOf(updated), ledger);
      let resolvedAlerts = 0;
      if (updated.awardedMinor !== null && balance.outstanding.get(updated.currency) === 0n) {
        resolvedAlerts = await this.alerts.resolveOpenForRecord(
          em,
          { recordType: RECORD_TYPE, recordId: claimId, type: 'restitution_payment_overdue' },
          'no_longer_applies',
        );
      }
      await this.audit.record(em, actor, {
        action: correction ? 'restitution_payment.reverse' : 'restitution_payment.record',
        recordType: 'restitution_payment',
        recordId: id,
        purpose: CONSENT_PURPOSE,
        details: {
          claimId,
          caseId: claim.caseId,
          kind: correction ? 'correction' : 'payment',
          currency: amount.currency,
          ...(correction ? { reversesPaymentId: dto.reversesPaymentId } : {}),
          from,
          to,
          deadlineJobs: jobs,
          resolvedAlerts,
        },
      });
      const allRows = (await ledgersOf(em, [claimId])).get(claimId)!;
      const stored = allRows.find((r) => r.id === id)!;
      const text = await this.openClaimText(em, updated);
      return {
        payment: this.paymentView(stored, allRows, correction ? (dto.reason ?? null) : null),
        claim: this.view(updated, allRows, 'responsible', text),
      };
    });
  }

  async listPayments(actor: Actor, claimId: string, query: PageQueryDto): Promise<Page<PaymentResponseDto>> {
    const em = this.dataSource.manager;
    const { claim, access } = await this.resolveClaim(em, actor, claimId);
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
    const window = rows.slice(skip, skip + limit);
    const reasons = access === 'consent' ? undefined : await this.openPaymentReasons(em, claim.caseId, window);
    return {
      items: window.map((r) => this.paymentView(r, rows, reasons ? (reasons.get(r.id) ?? null) : undefined)),
      total: rows.length,
      page,
      limit,
    };
  }

  // ---------------------------------------------------------------- responsibility

  async moveResponsibility(actor: Actor, claimId: string, dto: MoveResponsibilityDto): Promise<ResponsibilityResponseDto> {
    if (dto.responsibleOrganisationId === undefined && dto.survivorContactOrganisationId === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: '(body)', errors: ['names responsibleOrganisationId, survivorContactOrganisationId or both'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      const { claim } = await this.resolveClaim(em, actor, claimId, { lock: true, write: true, ownerMayWrite: true });
      const responsible = dto.responsibleOrganisationId ?? claim.responsibleOrganisationId;
      let contact = dto.survivorContactOrganisationId !== undefined ? dto.survivorContactOrganisationId : claim.survivorContactOrganisationId;
      if (responsible !== claim.responsibleOrganisationId) {
        const org = await em.findOne(OrganisationEntity, { select: { id: true, node: true }, where: { id: responsible } });
        if (!org) throw invalidOrganisation('responsibleOrganisationId', 'unknown_organisation');
        // Nobody on this deployment could act for a partner deployment's organisation: it keeps its own claims.
        if (org.node !== 'local') throw invalidOrganisation('responsibleOrganisationId', 'remote_organisation');
        // Handing the claim to the survivor's contact organisation makes it responsible; it is no longer a separate contact.
        if (dto.survivorContactOrganisationId === undefined && contact === responsible) contact = null;
      }
      if (contact !== null && contact !== claim.survivorContactOrganisationId) {
        if (!(await em.exists(OrganisationEntity, { where: { id: contact } }))) throw invalidOrganisation('survivorContactOrganisationId', 'unknown_organisation');
      }
      if (contact !== null && contact === responsible) throw invalidOrganisation('survivorContactOrganisationId', 'same_as_responsible');
      if (responsible === claim.responsibleOrganisationId && contact === claim.survivorContactOrganisationId) {
        throw invalidOrganisation(dto.responsibleOrganisationId !== undefined ? 'responsibleOrganisationId' : 'survivorContactOrganisationId', 'no_change');
      }
      // The disclosure gate, for each organisation this shows the claim to: consent for `restitution` for
      // `restitution_claim`, and a danger-flagged case only by its assigned caseworker or under break-glass.
      const owner = (await em.findOneOrFail(CaseEntity, { select: { id: true, ownerOrganisationId: true }, where: { id: claim.caseId } })).ownerOrganisationId;
      const opened: GateAnswer[] = [];
      for (const org of new Set([responsible !== claim.responsibleOrganisationId ? responsible : null, contact !== claim.survivorContactOrganisationId ? contact : null])) {
        if (org === null || org === owner) continue;
        opened.push(
          await this.gate.assertAllowed(em, {
            path: 'restitution.responsibility',
            caseId: claim.caseId,
            recipientOrganisationId: org,
            purpose: CONSENT_PURPOSE,
            categories: [CONSENT_CATEGORY],
            actor,
            lockCase: true,
          }),
        );
      }
      const cause: ResponsibilityCause = responsible !== claim.responsibleOrganisationId ? 'responsibility_moved' : 'survivor_contact_recorded';
      const updated = await this.applyResponsibility(em, actor, claim, responsible, contact, cause);
      for (const answer of opened) await this.gate.recordDisclosure(em, answer, actor, { recordType: RECORD_TYPE, recordId: claim.id });
      // The caller may have handed the claim out of its own sight (a claim of a case it does not own).
      const access = await this.accessTo(em, actor, updated);
      const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
      return {
        claim: access ? this.view(updated, rows, access, access === 'consent' ? undefined : await this.openClaimText(em, updated)) : null,
        history: await this.historyOf(em, claimId),
      };
    });
  }

  async responsibilityHistory(actor: Actor, claimId: string): Promise<ResponsibilityPeriodDto[]> {
    const em = this.dataSource.manager;
    await this.resolveClaim(em, actor, claimId);
    return this.historyOf(em, claimId);
  }

  /**
   * For the referrals module: when a referral that transfers a case's ownership is accepted, call this in the same
   * transaction. With `move_with_case` the claims the sending organisation pursued move to the receiving organisation;
   * with `stay_with_original` they stay with the sender, and the receiver becomes the survivor's contact for payout
   * (it can then read them). Withdrawn claims stay where they are. Either way the history records who was responsible
   * from when. `actor` is the accepting user (null when the system accepts, e.g. a federated packet in the worker).
   * Returns how many claims changed.
   */
  async onCaseOwnershipTransferred(
    em: EntityManager,
    caseId: string,
    fromOrg: string,
    toOrg: string,
    mode: ClaimTransferMode,
    actor: AuditActor | null = null,
  ): Promise<number> {
    if (!em.queryRunner?.isTransactionActive) throw new Error('onCaseOwnershipTransferred must run inside the transfer\u2019s transaction');
    const claims = await em
      .createQueryBuilder(RestitutionClaimEntity, 'c')
      .where('c.case_id = :caseId AND c.responsible_organisation_id = :fromOrg AND c.status <> :withdrawn', { caseId, fromOrg, withdrawn: 'withdrawn' })
      .orderBy('c.id')
      .setLock('pessimistic_write')
      .getMany();
    for (const claim of claims) {
      const responsible = mode === 'move_with_case' ? toOrg : fromOrg;
      const contact = mode === 'move_with_case' ? (claim.survivorContactOrganisationId === toOrg ? null : claim.survivorContactOrganisationId) : toOrg;
      if (responsible === claim.responsibleOrganisationId && contact === claim.survivorContactOrganisationId) continue;
      await this.applyResponsibility(em, actor, claim, responsible, contact, 'case_ownership_transferred', { mode });
    }
    return claims.length;
  }

  private async applyResponsibility(
    em: EntityManager,
    actor: (AuditActor & { correlationId?: string | null }) | null,
    claim: RestitutionClaimEntity,
    responsible: string,
    contact: string | null,
    cause: ResponsibilityCause,
    extra: Record<string, string> = {},
  ): Promise<RestitutionClaimEntity> {
    await em.update(
      RestitutionClaimEntity,
      { id: claim.id, version: claim.version },
      { responsibleOrganisationId: responsible, survivorContactOrganisationId: contact, version: claim.version + 1 },
    );
    await em.insert(ClaimResponsibilityEntity, {
      claimId: claim.id,
      responsibleOrganisationId: responsible,
      survivorContactOrganisationId: contact,
      cause,
      changedByUserId: actor?.userId ?? null,
      changedByOrganisationId: actor?.organisationId ?? null,
    });
    let resolvedAlerts = 0;
    if (responsible !== claim.responsibleOrganisationId) {
      // The old organisation's open deadline alerts are no longer its to act on; the new one gets them afresh.
      resolvedAlerts = await this.alerts.resolveOpenForRecord(em, { recordType: RECORD_TYPE, recordId: claim.id }, 'no_longer_applies');
    }
    const updated = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claim.id } });
    const jobs = responsible !== claim.responsibleOrganisationId ? await this.scheduleDeadlines(em, updated, actor?.correlationId ?? null) : 0;
    await this.audit.record(em, actor, {
      action: 'restitution_claim.responsibility',
      recordType: RECORD_TYPE,
      recordId: claim.id,
      purpose: CONSENT_PURPOSE,
      details: {
        caseId: claim.caseId,
        cause,
        fromResponsibleOrganisationId: claim.responsibleOrganisationId,
        responsibleOrganisationId: responsible,
        survivorContactOrganisationId: contact,
        resolvedAlerts,
        deadlineJobs: jobs,
        ...extra,
      },
    });
    return updated;
  }

  private async historyOf(em: EntityManager, claimId: string): Promise<ResponsibilityPeriodDto[]> {
    const rows = await em.find(ClaimResponsibilityEntity, { where: { claimId }, order: { seq: 'ASC' } });
    return rows.map((r, i) => ({
      responsibleOrganisationId: r.responsibleOrganisationId,
      survivorContactOrganisationId: r.survivorContactOrganisationId,
      cause: r.cause,
      changedByUserId: r.changedByUserId,
      from: r.createdAt.toISOString(),
      until: rows[i + 1] ? rows[i + 1].createdAt.toISOString() : null,
    }));
  }

  // ---------------------------------------------------------------- case summary

  async summary(actor: Actor, caseId: string): Promise<RestitutionSummaryDto> {
    const em = this.dataSource.manager;
    await this.cases.findAccessible(em, actor, caseId);
    const claims = await em.find(RestitutionClaimEntity, { where: { caseId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const ledgers = await ledgersOf(em, claims.map((c) => c.id));
    const totals = summariseClaims(
      claims.map((c) => ({ claimed: claimedOf(c), awarded: awardedOf(c), ledger: ledgers.get(c.id)!.map(ledgerEntry) })),
    );
    const now = new Date();
    const deadlines: CaseDeadlineDto[] = claims
      .flatMap((c) => this.openDeadlinesOf(c, ledgers.get(c.id)!, now).map((d) => ({ claimId: c.id, ...d })))
      .sort((a, b) => a.dueDate.localeCompare(b.dueDate) || a.claimId.localeCompare(b.claimId));
    return {
      caseId,
      claims: claims.length,
      claimed: totals.claimed.toJSON(),
      awarded: totals.awarded.toJSON(),
      paid: totals.paid.toJSON(),
      outstanding: totals.outstanding.toJSON(),
      overpaidBy: totals.overpaidBy.toJSON(),
      unawardedPaid: totals.unawardedPaid.toJSON(),
      openDeadlines: deadlines,
    };
  }

  private openDeadlinesOf(claim: RestitutionClaimEntity, rows: RestitutionPaymentEntity[], now: Date) {
    const balance = claimBalance(awardedOf(claim), rows.map(ledgerEntry));
    return openDeadlines(
      { status: claim.status, deadlines: deadlinesOf(claim), outstandingMinor: claim.awardedMinor === null ? null : balance.outstanding.get(claim.currency) },
      { now, timeZone: deadlineTimeZone(claim.jurisdiction) },
    );
  }

  // ---------------------------------------------------------------- deadlines

  /**
   * One delayed job per alert moment of the claim's deadlines (deadlines.ts). Jobs written for earlier dates stay
   * queued and find nothing to do when they run; the alerts' dedupe key keeps a re-scheduled moment from raising twice.
   */
  private async scheduleDeadlines(em: EntityManager, claim: RestitutionClaimEntity, correlationId: string | null): Promise<number> {
    const moments = alertMoments(deadlinesOf(claim), {
      now: new Date(),
      leadDays: this.config.restitution.reminderLeadDays,
      timeZone: deadlineTimeZone(claim.jurisdiction),
    });
    for (const m of moments) {
      await this.outbox.add(em, {
        type: RESTITUTION_JOBS.deadline,
        payload: { claimId: claim.id, kind: m.kind, dueDate: m.dueDate },
        correlationId: correlationId ?? undefined,
        availableAt: m.at,
      });
    }
    return moments.length;
  }

  // ---------------------------------------------------------------- sealed text

  /** The case's data key, or null when its identity was erased (no key) or its master key is not configured here. */
  private async dataKey(em: EntityManager, caseId: string): Promise<Buffer | null> {
    const key = await em.findOne(CaseKeyEntity, { where: { caseId } });
    if (!key?.wrappedKey) return null;
    try {
      return this.crypto.unwrap(caseId, { masterKeyId: key.masterKeyId, wrappedKey: key.wrappedKey });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.logger.warn({ caseId, code: err.code }, 'case data key unavailable for restitution text');
      return null;
    }
  }

  /** Notes and status reasons: refused when they cannot be kept sealed (the case's identity was erased). */
  private async sealRequired(em: EntityManager, caseId: string, field: string, text: string): Promise<Buffer> {
    const sealed = await this.sealOptional(em, caseId, field, text);
    if (!sealed) throw new DomainError('CASE_IDENTITY_ERASED', 'The identity of this case was erased: free text cannot be kept for it');
    return sealed;
  }

  /** A correction's reason: a correction must never fail for want of a key; without one its reason is not kept. */
  private async sealOptional(em: EntityManager, caseId: string, field: string, text: string): Promise<Buffer | null> {
    const dataKey = await this.dataKey(em, caseId);
    if (!dataKey) return null;
    try {
      return this.crypto.encrypt(dataKey, caseId, field, text);
    } finally {
      dataKey.fill(0);
    }
  }

  private async openClaimText(em: EntityManager, claim: RestitutionClaimEntity): Promise<Sealed> {
    const row = await em.findOne(RestitutionClaimEntity, {
      select: { id: true, notesCiphertext: true, statusReasonCiphertext: true },
      where: { id: claim.id },
    });
    if (!row?.notesCiphertext && !row?.statusReasonCiphertext) return { notes: null, statusReason: null };
    const dataKey = await this.dataKey(em, claim.caseId);
    if (!dataKey) return { notes: null, statusReason: null };
    try {
      return {
        notes: this.open(dataKey, claim.caseId, notesField(claim.id), row.notesCiphertext),
        statusReason: this.open(dataKey, claim.caseId, statusReasonField(claim.id), row.statusReasonCiphertext),
      };
    } finally {
      dataKey.fill(0);
    }
  }

  private async openPaymentReasons(em: EntityManager, caseId: string, rows: RestitutionPaymentEntity[]): Promise<Map<string, string | null>> {
    const ids = rows.filter((r) => r.hasReason).map((r) => r.id);
    const out = new Map<string, string | null>();
    if (ids.length === 0) return out;
    const sealed = await em.find(RestitutionPaymentEntity, { select: { id: true, reasonCiphertext: true }, where: { id: In(ids) } });
    const dataKey = await this.dataKey(em, caseId);
    if (!dataKey) return out;
    try {
      for (const s of sealed) out.set(s.id, this.open(dataKey, caseId, paymentReasonField(s.id), s.reasonCiphertext));
    } finally {
      dataKey.fill(0);
    }
    return out;
  }

  private open(dataKey: Buffer, caseId: string, field: string, sealed: Buffer | null): string | null {
    if (!sealed) return null;
    try {
      return this.crypto.decrypt<string>(dataKey, caseId, field, sealed);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      // Tampering or a ciphertext copied from another record: answer without it, and tell an operator (ids only).
      this.logger.warn({ caseId, field: field.split(':')[0], code: err.code }, 'restitution text failed authentication');
      return null;
    }
  }

  // ---------------------------------------------------------------- views

  private view(claim: RestitutionClaimEntity, rows: RestitutionPaymentEntity[], access: ClaimAccess, text?: Sealed): RestitutionClaimResponseDto {
    const balance = claimBalance(awardedOf(claim), rows.map(ledgerEntry));
    const awarded = awardedOf(claim);
    return {
      id: claim.id,
      caseId: claim.caseId,
      route: claim.route,
      jurisdiction: claim.jurisdiction,
      forum: claim.forum,
      forumCaseNumber: claim.forumCaseNumber,
      status: claim.status,
      claimed: toMoneyJson(claimedOf(claim)),
      awarded: awarded ? toMoneyJson(awarded) : null,
      paid: balance.paid.toJSON(),
      outstanding: balance.outstanding.toJSON(),
      overpaid: balance.overpaid,
      overpaidBy: balance.overpaidBy.toJSON(),
      paidInUnawardedCurrency: balance.paidInUnawardedCurrency,
      unawardedPaid: balance.unawardedPaid.toJSON(),
      filedAt: claim.filedAt,
      awardedAt: claim.awardedAt,
      filingDeadline: claim.filingDeadline,
      appealDeadline: claim.appealDeadline,
      paymentDueAt: claim.paymentDueAt,
      openDeadlines: this.openDeadlinesOf(claim, rows, new Date()),
      responsibleOrganisationId: claim.responsibleOrganisationId,
      survivorContactOrganisationId: claim.survivorContactOrganisationId,
      ...(text && access !== 'consent' ? { notes: text.notes ?? null, statusReason: text.statusReason ?? null } : {}),
      access,
      version: claim.version,
      createdAt: claim.createdAt.toISOString(),
      updatedAt: claim.updatedAt.toISOString(),
    };
  }

  private paymentView(row: RestitutionPaymentEntity, all: RestitutionPaymentEntity[], reason?: string | null): PaymentResponseDto {
    return {
      id: row.id,
      claimId: row.claimId,
      kind: row.reversesPaymentId ? 'correction' : 'payment',
      amount: toMoneyJson({ currency: row.currency, amountMinor: row.amountMinor }),
      paidAt: row.paidAt,
      payer: row.payer,
      method: row.method,
      recipientCountry: row.recipientCountry,
      reference: row.reference,
      reversesPaymentId: row.reversesPaymentId,
      reversedByPaymentId: all.find((r) => r.reversesPaymentId === row.id)?.id ?? null,
      ...(reason !== undefined && row.hasReason ? { reason } : {}),
      recordedByOrganisationId: row.recordedByOrganisationId,
      recordedAt: row.createdAt.toISOString(),
    };
  }
}

function invalidOrganisation(field: string, problem: 'unknown_organisation' | 'remote_organisation' | 'same_as_responsible' | 'no_change'): DomainError {
  const messages = {
    unknown_organisation: 'No such organisation',
    remote_organisation: 'A partner deployment\u2019s organisation cannot be made responsible here: it keeps its own claims',
    same_as_responsible: 'The survivor\u2019s contact organisation must differ from the responsible one',
    no_change: 'This changes nothing',
  } as const;
  return new DomainError('RESTITUTION_ORGANISATION_INVALID', messages[problem], { field, problem });
}
