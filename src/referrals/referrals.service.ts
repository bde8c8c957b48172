/**
 * Referrals for the API: create, list, read, act, milestones and history (the receiving organisation's read of the
 * referred case is referred-case.service.ts). Each state change is one transaction through ReferralTransitions (history + audit + status + jobs).
 * An organisation sees a referral when it is the sender or the receiver; anyone else gets the 404 of a missing id.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { RestitutionService } from '../restitution/restitution.service';
import { AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { isClosedStatus, ReferralMilestone } from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { findOrganisation } from '../organisations/organisation-reads';
import {
  CreateReferralDto,
  ListReferralsQueryDto,
  RecordMilestoneDto,
  ReferralActionDto,
  ReferralHistoryEntryDto,
  ReferralResponseDto,
} from './dto/referral.dto';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralMilestonesService } from './referral-milestones.service';
import { ReferralReads } from './referral-reads';
import { ReferralTransitions } from './referral-transitions.service';
import { Mover } from './referral-workflow.types';
import { localCaseId, ReferralEntity } from './referral.entity';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { REFERRAL_ACTIONS, ReferralAction } from './referral.state-machine';
import { HIDDEN_FROM_RECEIVER, hiddenFromReceiver, historyEntryView, referralView } from './referral-views';

@Injectable()
export class ReferralsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly reads: ReferralReads,
    private readonly transitions: ReferralTransitions,
    private readonly milestones: ReferralMilestonesService,
    private readonly cases: CasesService,
    private readonly audit: AuditService,
    private readonly restitution: RestitutionService,
    private readonly gate: DisclosureGate,
  ) {}

  private mover(actor: Actor): Mover {
    return { actor: { kind: 'user', userId: actor.userId, organisationId: actor.organisationId, role: actor.role }, audit: actor };
  }

  // ---------------------------------------------------------------- create

  /**
   * A draft referral of a case the caller may work on, to another organisation. Refused with CONSENT_NOT_COVERING
   * (nothing written) unless consent permits every requested category for that recipient and purpose now.
   */
  async create(actor: Actor, dto: CreateReferralDto): Promise<ReferralResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const kase = await this.cases.findAccessible(em, actor, dto.caseId, { lock: true });
      if (isClosedStatus(kase.status)) throw new DomainError('CASE_CLOSED', 'A closed case cannot be referred');
      const receiver = await findOrganisation(em, { id: dto.receivingOrganisationId });
      if (!receiver || receiver.id === actor.organisationId) {
        throw new DomainError(
          'REFERRAL_RECEIVER_INVALID',
          'The receiving organisation must be another organisation known to this deployment',
          {
            field: 'receivingOrganisationId',
          },
        );
      }
      const transferOwnership = dto.transferOwnership ?? false;
      // The gate: consent for every category (an ownership transfer: every category the case holds), the danger flag.
      const gate = await this.gate.assertAllowed(em, {
        path: 'referral.create',
        caseId: kase.id,
        recipientOrganisationId: receiver.id,
        purpose: dto.purpose,
        categories: transferOwnership ? { allHeldAnd: dto.dataCategories } : dto.dataCategories,
        actor,
      });
      const consentIds = gate.consentIds;
      const sender = await findOrganisation(em, { id: actor.organisationId });
      if (!sender) throw new Error('the acting organisation is not in the directory');
      const inserted = await em.insert(ReferralEntity, {
        caseId: kase.id,
        sendingOrganisationId: actor.organisationId,
        receivingOrganisationId: receiver.id,
        responsibleUserId: actor.userId,
        purpose: dto.purpose,
        dataCategories: dto.dataCategories,
        reason: dto.reason,
        crossBorder: sender.country !== receiver.country,
        transferOwnership,
        claimsOnTransfer: dto.claimsOnTransfer ?? 'stay_with_original',
        status: 'draft',
        version: 1,
        consentIds,
      });
      const id = inserted.identifiers[0].id as string;
      await em.insert(ReferralEventEntity, {
        referralId: id,
        kind: 'transition',
        fromStatus: null,
        toStatus: 'draft',
        actorKind: 'user',
        actorUserId: actor.userId,
        actorOrganisationId: actor.organisationId,
        reason: dto.reason,
        details: { consentIds, ...(gate.viaBreakGlass ? { viaBreakGlass: true } : {}) },
      });
      await this.audit.record(em, actor, {
        action: 'referral.create',
        recordType: 'referral',
        recordId: id,
        purpose: dto.purpose,
        details: {
          caseId: kase.id,
          receivingOrganisationId: receiver.id,
          dataCategories: dto.dataCategories,
          consentIds,
          transferOwnership,
          viaBreakGlass: gate.viaBreakGlass,
        },
      });
      await this.gate.recordDisclosure(em, gate, actor, { recordType: 'referral', recordId: id });
      return this.view(em, await em.findOneOrFail(ReferralEntity, { where: { id } }));
    });
  }

  // ---------------------------------------------------------------- read

  /** The referral if the actor's organisation is its sender or receiver; otherwise 404 like a missing id. */
  async findForActor(em: EntityManager, actor: Actor, id: string): Promise<ReferralEntity> {
    const referral = await em.findOne(ReferralEntity, { where: { id } });
    if (!referral) throw notFound('Referral');
    const sender = referral.sendingOrganisationId === actor.organisationId;
    const receiver = referral.receivingOrganisationId === actor.organisationId;
    // Until it is sent, a referral is the sender's internal business: the receiver does not learn it exists.
    if (!sender && (!receiver || hiddenFromReceiver(referral))) throw notFound('Referral');
    return referral;
  }

  async get(actor: Actor, id: string): Promise<ReferralResponseDto> {
    const em = this.dataSource.manager;
    return this.view(em, await this.findForActor(em, actor, id), actor.organisationId);
  }

  async list(actor: Actor, query: ListReferralsQueryDto): Promise<Page<ReferralResponseDto>> {
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const em = this.dataSource.manager;
    const qb = em.createQueryBuilder(ReferralEntity, 'r');
    const org = { org: actor.organisationId };
    if (query.direction === 'incoming') qb.where('r.receiving_organisation_id = :org', org);
    else if (query.direction === 'outgoing') qb.where('r.sending_organisation_id = :org', org);
    else qb.where('(r.sending_organisation_id = :org OR r.receiving_organisation_id = :org)', org);
    // A receiver has no business with referrals still being drafted or approved at the sender.
    qb.andWhere(`(r.sending_organisation_id = :org OR (r.status NOT IN (:...hidden) AND r.sent_at IS NOT NULL))`, {
      ...org,
      hidden: HIDDEN_FROM_RECEIVER,
    });
    if (query.status) qb.andWhere('r.status = :status', { status: query.status });
    if (query.caseId) qb.andWhere('r.case_id = :caseId', { caseId: query.caseId });
    const [rows, total] = await qb.orderBy('r.created_at', 'DESC').addOrderBy('r.id', 'DESC').skip(skip).take(limit).getManyAndCount();
    const milestones = await this.reads.milestonesOf(
      em,
      rows.map((r) => r.id),
    );
    return { items: rows.map((r) => referralView(r, milestones.get(r.id) ?? [], actor.organisationId)), total, page, limit };
  }

  async history(actor: Actor, id: string): Promise<ReferralHistoryEntryDto[]> {
    const em = this.dataSource.manager;
    const referral = await this.findForActor(em, actor, id);
    const rows = await em.find(ReferralEventEntity, { where: { referralId: id }, order: { occurredAt: 'ASC', recordedAt: 'ASC' } });
    return rows.map((e) => historyEntryView(referral, e, actor.organisationId));
  }

  // ---------------------------------------------------------------- act

  /** submit, approve, accept, reject, cancel, start, complete: one state change, in one transaction. */
  async act(actor: Actor, id: string, action: ReferralAction, dto: ReferralActionDto): Promise<ReferralResponseDto> {
    const to = REFERRAL_ACTIONS[action];
    return this.dataSource.transaction(async (em) => {
      const referral = await this.reads.lockForOrganisation(em, actor.organisationId, id);
      // Before approval the receiver does not know the referral exists.
      if (referral.sendingOrganisationId !== actor.organisationId && hiddenFromReceiver(referral)) throw notFound('Referral');
      const reason = dto.reason?.trim() ? dto.reason : null;
      await this.transitions.move(em, referral, to, this.mover(actor), { reason, note: dto.note ?? null });
      if (to === 'accepted' && referral.transferOwnership) await this.transferOwnership(em, actor, referral);
      return this.view(em, referral, actor.organisationId);
    });
  }

  /** Ownership moves with an accepted referral when the sender asked for it (local receivers; see docs/referrals.md). */
  private async transferOwnership(em: EntityManager, actor: Actor, referral: ReferralEntity): Promise<void> {
    // The largest disclosure: the receiver gets every category the case holds, so consent must permit each of them now.
    await this.gate.assertAllowed(
      em,
      {
        path: 'case.ownership_transfer',
        caseId: localCaseId(referral),
        recipientOrganisationId: referral.receivingOrganisationId,
        purpose: referral.purpose,
        categories: { allHeldAnd: referral.dataCategories },
        actor,
        approvedUnderDangerFlag: () => this.reads.historyFlag(em, referral.id, 'approved', 'dangerFlag'),
        lockCase: true,
      },
      // The receiver accepts: it learns which categories consent does not cover, never which consent or why.
      'recipient',
    );
    const { fromOrganisationId } = await this.cases.transferOwnership(
      em,
      actor,
      localCaseId(referral),
      referral.receivingOrganisationId,
      referral.id,
    );
    await em.insert(ReferralEventEntity, {
      referralId: referral.id,
      kind: 'transition',
      fromStatus: 'accepted',
      toStatus: 'accepted',
      actorKind: 'user',
      actorUserId: actor.userId,
      actorOrganisationId: actor.organisationId,
      details: { ownershipTransferred: true, fromOrganisationId, toOrganisationId: referral.receivingOrganisationId },
    });
    // The restitution claims follow the survivor, or stay with the organisation pursuing them (history says who was responsible when).
    await this.restitution.onCaseOwnershipTransferred(
      em,
      localCaseId(referral),
      fromOrganisationId,
      referral.receivingOrganisationId,
      referral.claimsOnTransfer,
      actor,
    );
  }

  // ---------------------------------------------------------------- milestones

  async recordMilestone(actor: Actor, id: string, milestone: ReferralMilestone, dto: RecordMilestoneDto): Promise<ReferralResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const referral = await this.reads.lockForOrganisation(em, actor.organisationId, id);
      if (referral.sendingOrganisationId !== actor.organisationId && hiddenFromReceiver(referral)) throw notFound('Referral');
      if (!dto.skipped && dto.skipReason !== undefined) {
        throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
          { field: 'skipReason', errors: ['skipReason goes with skipped: true'] },
        ]);
      }
      await this.milestones.recordMilestone(em, referral, milestone, this.mover(actor), {
        skipped: dto.skipped === true,
        skipReason: dto.skipReason ?? null,
        note: dto.note ?? null,
        occurredAt: dto.occurredAt ? new Date(dto.occurredAt) : undefined,
      });
      return this.view(em, referral, actor.organisationId);
    });
  }

  // ---------------------------------------------------------------- views

  /** `viewer`: the organisation the answer goes to (the receiver of a recalled referral no longer sees the sender's text). */
  private async view(em: EntityManager, referral: ReferralEntity, viewer?: string): Promise<ReferralResponseDto> {
    const fresh = await this.reads.read(em, referral.id);
    if (!fresh) throw notFound('Referral');
    const milestones = await this.reads.milestonesOf(em, [fresh.id]);
    return referralView(fresh, milestones.get(fresh.id) ?? [], viewer);
  }
}
