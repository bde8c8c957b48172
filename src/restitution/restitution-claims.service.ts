import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { isCaseStaff } from '../cases/case-access';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow, PageQueryDto } from '../common/http/pagination';
import { assertCurrency, Money } from '../common/money/money';
import { moneyFromDto } from '../common/money/money.dto';
import { ClaimStatus } from '../common/vocabulary/restitution';
import { AppConfig } from '../config/app-config';
import { ClaimAccessService, listAccess } from './claim-access.service';
import { ClaimDeadlineJobs } from './claim-deadline-jobs';
import { ClaimShares } from './claim-shares.service';
import { awardedOf, claimedOf, ledgerEntry, ledgersOf } from './claim-records';
import { ClaimResponsibilityEntity } from './claim-responsibility.entity';
import { assertClaimFacts, ClaimFacts, REASON_REQUIRED, resolveManualMove } from './claim.state-machine';
import { CreateRestitutionClaimDto, UpdateRestitutionClaimDto } from './dto/restitution-input.dto';
import { CaseDeadlineDto, RestitutionClaimResponseDto, RestitutionSummaryDto } from './dto/restitution-response.dto';
import { summariseClaims } from './ledger';
import { CONSENT_PURPOSE, RECORD_TYPE } from './restitution.constants';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { notesField, RestitutionText, statusReasonField } from './restitution-text';
import { claimView, openDeadlinesOf, Sealed } from './restitution-views';

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

/**
 * Restitution claims of a case: open one, list and read them, change them, and the case's summary. Each change is one
 * transaction: the claim row (locked), the delayed deadline jobs and the audit event commit together. Who sees what is
 * ClaimAccessService's answer.
 */
@Injectable()
export class RestitutionClaims {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cases: CasesService,
    private readonly claimAccess: ClaimAccessService,
    private readonly deadlineJobs: ClaimDeadlineJobs,
    private readonly text: RestitutionText,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly shares: ClaimShares,
  ) {}

  async create(actor: Actor, caseId: string, dto: CreateRestitutionClaimDto): Promise<RestitutionClaimResponseDto> {
    return this.dataSource.transaction(async (em) => {
      await this.cases.findAccessible(em, actor, caseId);
      const claimed = moneyFromDto(dto.claimed, 'claimed');
      const facts: ClaimFacts = { claimed, awarded: null, forum: dto.forum ?? null, filedAt: dto.filedAt ?? null, awardedAt: null };
      let status: ClaimStatus = 'preparing';
      if (dto.filedAt) status = resolveManualMove('preparing', { to: 'filed', facts, ledger: [] });
      else assertClaimFacts('preparing', facts);

      const id = randomUUID();
      const notesCiphertext = dto.notes ? await this.text.sealRequired(em, caseId, notesField(id), dto.notes) : null;
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
      const jobs = await this.deadlineJobs.schedule(em, claim, actor.correlationId);
      await this.audit.record(em, actor, {
        action: 'restitution_claim.create',
        recordType: RECORD_TYPE,
        recordId: id,
        purpose: CONSENT_PURPOSE,
        details: { caseId, route: dto.route, currency: claimed.currency, status, deadlineJobs: jobs },
      });
      return claimView(claim, [], 'responsible', { notes: dto.notes ?? null, statusReason: null });
    });
  }

  async list(actor: Actor, caseId: string, query: PageQueryDto): Promise<Page<RestitutionClaimResponseDto>> {
    const em = this.dataSource.manager;
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    if (!isCaseStaff(actor)) throw notFound('Case');
    const visible = await this.claimAccess.caseVisible(em, actor, caseId);
    const owned = visible ? false : (await this.cases.ownerOf(em, caseId)) === actor.organisationId;
    // A case of the caller's own organisation that the case rule hides stays hidden, claims and all.
    if (owned) throw notFound('Case');
    const consented =
      !visible && (await this.claimAccess.caseExists(em, caseId)) && (await this.claimAccess.viewDecision(em, actor, caseId)).allowed;
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
      await this.audit.record(em, actor, {
        action: 'restitution_claim.list',
        recordType: 'case',
        recordId: caseId,
        purpose: CONSENT_PURPOSE,
        details: { access: 'consent', claims: rows.length },
      });
    }
    const ledgers = await ledgersOf(
      em,
      rows.map((r) => r.id),
    );
    return {
      items: rows.map((c) => claimView(c, ledgers.get(c.id)!, listAccess(actor, c, visible))),
      total,
      page,
      limit,
    };
  }

  async get(actor: Actor, claimId: string): Promise<RestitutionClaimResponseDto> {
    const em = this.dataSource.manager;
    const { claim, access } = await this.claimAccess.resolveClaim(em, actor, claimId);
    const ledger = (await ledgersOf(em, [claimId])).get(claimId)!;
    const sealed = access === 'consent' ? undefined : await this.text.openClaimText(em, claim);
    // A read by a partner under consent is a disclosure; every read of a claim is recorded with why it was allowed.
    await this.audit.record(em, actor, {
      action: 'restitution_claim.read',
      recordType: RECORD_TYPE,
      recordId: claimId,
      purpose: CONSENT_PURPOSE,
      details: { caseId: claim.caseId, access },
    });
    return claimView(claim, ledger, access, sealed);
  }

  async update(
    actor: Actor,
    claimId: string,
    expectedVersion: number,
    dto: UpdateRestitutionClaimDto,
  ): Promise<RestitutionClaimResponseDto> {
    const fields = UPDATABLE.filter((f) => dto[f] !== undefined);
    if (fields.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: '(body)', errors: ['names no field to change'] }]);
    }
    if (dto.reason !== undefined && dto.status === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: 'reason', errors: ['is given with a status move only'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      const { claim } = await this.claimAccess.resolveClaim(em, actor, claimId, { lock: true, write: true });
      if (claim.version !== expectedVersion) throw new DomainError('PRECONDITION_FAILED', 'If-Match does not match the current version');
      const rows = (await ledgersOf(em, [claimId])).get(claimId)!;

      const claimed = dto.claimed !== undefined ? moneyFromDto(dto.claimed, 'claimed') : claimedOf(claim);
      // The claim keeps one currency once money has moved in it.
      if (claimed.currency !== claim.currency && rows.length > 0) assertCurrency(claim.currency, claimed, 'claimed');
      const awarded: Money | null =
        dto.awarded === undefined ? awardedOf(claim) : dto.awarded === null ? null : moneyFromDto(dto.awarded, 'awarded');
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
        changes.notesCiphertext =
          dto.notes === null ? null : await this.text.sealRequired(em, claim.caseId, notesField(claimId), dto.notes);
        sealed.notes = dto.notes;
      }
      const moved = to !== from && dto.status !== undefined && dto.status !== from;
      if (moved && dto.reason) {
        changes.statusReasonCiphertext = await this.text.sealRequired(em, claim.caseId, statusReasonField(claimId), dto.reason);
        sealed.statusReason = dto.reason;
      } else if (moved && !REASON_REQUIRED.includes(to)) {
        // A claim back in play (appealed, awarded again) no longer carries the reason of its last negative outcome.
        changes.statusReasonCiphertext = null;
        sealed.statusReason = null;
      }
      await em.update(RestitutionClaimEntity, { id: claimId, version: claim.version }, changes);
      const updated = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claimId } });

      let jobs = 0;
      if (to !== from || SCHEDULE_FIELDS.some((f) => dto[f] !== undefined))
        jobs = await this.deadlineJobs.schedule(em, updated, actor.correlationId);
      let resolvedAlerts = 0;
      if (to === 'withdrawn')
        resolvedAlerts = await this.alerts.resolveOpenForRecord(em, { recordType: RECORD_TYPE, recordId: claimId }, 'record_closed');
      // Field names and status codes only: amounts, forum names and reasons stay out of the trail.
      await this.audit.record(em, actor, {
        action: 'restitution_claim.update',
        recordType: RECORD_TYPE,
        recordId: claimId,
        purpose: CONSENT_PURPOSE,
        details: { caseId: claim.caseId, fields, from, to, currency: claimed.currency, deadlineJobs: jobs, resolvedAlerts },
      });
      await this.shares.changed(em, claimId, actor.correlationId);
      const text = await this.text.openClaimText(em, updated);
      return claimView(updated, rows, 'responsible', { ...text, ...sealed });
    });
  }

  async summary(actor: Actor, caseId: string): Promise<RestitutionSummaryDto> {
    const em = this.dataSource.manager;
    await this.cases.findAccessible(em, actor, caseId);
    const claims = await em.find(RestitutionClaimEntity, { where: { caseId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const ledgers = await ledgersOf(
      em,
      claims.map((c) => c.id),
    );
    const totals = summariseClaims(
      claims.map((c) => ({ claimed: claimedOf(c), awarded: awardedOf(c), ledger: ledgers.get(c.id)!.map(ledgerEntry) })),
    );
    const now = new Date();
    const deadlines: CaseDeadlineDto[] = claims
      .flatMap((c) => openDeadlinesOf(c, ledgers.get(c.id)!, now).map((d) => ({ claimId: c.id, ...d })))
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
}
