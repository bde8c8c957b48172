import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { caseDisclosureFacts } from '../cases/case-facts';
import { CaseKeys } from '../cases/case-keys.service';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { Page, pageWindow } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
import { existingOrganisationIds } from '../organisations/organisation-reads';
import { OutboxService } from '../outbox/outbox.service';
import { normaliseProvisions } from './consent-provisions';
import { ConsentProvisionEntity } from './consent-provision.entity';
import { ConsentEntity } from './consent.entity';
import { ConsentResponseDto, CreateConsentDto, ListConsentsQueryDto, WithdrawConsentDto } from './dto/consent.dto';
import { CONSENT_EXPIRY_NOTICE_MS, CONSENT_JOBS } from './jobs/consent.jobs';

/** The associated data of a withdrawal reason's ciphertext: bound to its case (by the key) and to its consent. */
const reasonField = (consentId: string): string => `consentWithdrawalReason:${consentId}`;

export function consentView(c: ConsentEntity, withdrawalReason?: string | null): ConsentResponseDto {
  return {
    id: c.id,
    caseId: c.caseId,
    status: c.status,
    givenBy: c.givenBy,
    method: c.method,
    language: c.language,
    interpreterUsed: c.interpreterUsed,
    provisions: [...(c.provisions ?? [])]
      .sort((a, b) => a.position - b.position)
      .map((p) => ({
        index: p.position,
        effect: p.effect,
        recipientOrganisationId: p.recipientOrganisationId,
        recipientCountry: p.recipientCountry,
        purposes: p.purposes,
        dataCategories: p.dataCategories,
        validFrom: p.validFrom.toISOString(),
        validUntil: p.validUntil.toISOString(),
      })),
    recordedByUserId: c.recordedByUserId,
    recordedAt: c.createdAt.toISOString(),
    withdrawnAt: c.withdrawnAt ? c.withdrawnAt.toISOString() : null,
    withdrawnByUserId: c.withdrawnByUserId,
    ...(withdrawalReason !== undefined ? { withdrawalReason } : {}),
  };
}

/**
 * Recording and withdrawing consent on a case (the REST unit of work). Access is the case's: whoever may see the
 * case through CasesService.findAccessible (its organisation's caseworkers and supervisors, danger flag and
 * break-glass rules included) may record and withdraw its consents; anyone else gets the case's 404.
 */
@Injectable()
export class ConsentRecordsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly cases: CasesService,
    private readonly keys: CaseKeys,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly alerts: AlertsService,
    private readonly config: AppConfig,
    private readonly gate: DisclosureGate,
  ) {}

  async create(actor: Actor, caseId: string, dto: CreateConsentDto): Promise<ConsentResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const record = await this.cases.findAccessible(em, actor, caseId);
      if (record.minor === true && dto.givenBy !== 'guardian') {
        throw new DomainError('CONSENT_GUARDIAN_REQUIRED', 'The person is a minor: a guardian must give the consent', [
          { field: 'givenBy', errors: ['must be guardian for a minor'] },
        ]);
      }
      const now = new Date();
      const { provisions, problems } = normaliseProvisions(dto.provisions, now);
      const named = [...new Set(provisions.map((p) => p.recipientOrganisationId).filter((id): id is string => id !== null))];
      if (named.length > 0) {
        const known = await existingOrganisationIds(em, named);
        provisions.forEach((p) => {
          if (p.recipientOrganisationId !== null && !known.has(p.recipientOrganisationId)) {
            problems.push({ field: `provisions.${p.position}.recipientOrganisationId`, errors: ['does not name a known organisation'] });
          }
        });
      }
      if (problems.length > 0) throw new DomainError('VALIDATION_FAILED', 'Request validation failed', problems);
      // A permit for another organisation (or a whole country) opens the case to others: the disclosure gate decides
      // whether this person may open it (a danger-flagged case: the assigned caseworker or break-glass only).
      const opening = provisions.find(
        (p) => p.effect === 'permit' && (p.recipientCountry !== null || p.recipientOrganisationId !== record.ownerOrganisationId),
      );
      const gate = opening
        ? await this.gate.assertAllowed(em, {
            path: 'consent.record',
            caseId,
            recipientOrganisationId: null,
            purpose: opening.purposes[0],
            categories: [],
            actor,
            lockCase: true,
          })
        : null;

      const inserted = await em.insert(ConsentEntity, {
        caseId,
        givenBy: dto.givenBy,
        method: dto.method,
        language: dto.language,
        interpreterUsed: dto.interpreterUsed,
        status: 'active',
        recordedByUserId: actor.userId,
        recordedByOrganisationId: actor.organisationId,
        withdrawnAt: null,
        withdrawnByUserId: null,
        withdrawalReasonCiphertext: null,
      });
      const consentId = inserted.identifiers[0].id as string;
      if (gate) await this.gate.recordDisclosure(em, gate, actor, { recordType: 'consent', recordId: consentId });
      await em.insert(
        ConsentProvisionEntity,
        provisions.map((p) => ({ ...p, consentId })),
      );
      // One delayed check per permit provision, 14 days before it ends (at once if that moment has passed).
      for (const p of provisions) {
        if (p.effect !== 'permit') continue;
        await this.outbox.add(em, {
          type: CONSENT_JOBS.expiryCheck,
          payload: { consentId, provisionIndex: p.position },
          correlationId: actor.correlationId,
          availableAt: new Date(p.validUntil.getTime() - CONSENT_EXPIRY_NOTICE_MS),
        });
      }
      await this.audit.record(em, actor, {
        action: 'consent.create',
        recordType: 'consent',
        recordId: consentId,
        details: { caseId, givenBy: dto.givenBy, method: dto.method, interpreterUsed: dto.interpreterUsed, provisions: provisions.length },
      });
      return consentView(await this.load(em, caseId, consentId));
    });
  }

  async list(actor: Actor, caseId: string, query: ListConsentsQueryDto): Promise<Page<ConsentResponseDto>> {
    const em = this.dataSource.manager;
    await this.cases.findAccessible(em, actor, caseId);
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const [rows, total] = await em.findAndCount(ConsentEntity, {
      where: { caseId, ...(query.status ? { status: query.status } : {}) },
      relations: { provisions: true },
      order: { createdAt: 'DESC', id: 'ASC' },
      skip,
      take: limit,
    });
    return { items: rows.map((c) => consentView(c)), total, page, limit };
  }

  async get(actor: Actor, caseId: string, consentId: string): Promise<ConsentResponseDto> {
    const em = this.dataSource.manager;
    await this.cases.findAccessible(em, actor, caseId);
    const consent = await this.load(em, caseId, consentId);
    return consentView(consent, consent.status === 'withdrawn' ? await this.openReason(em, caseId, consentId) : null);
  }

  async withdraw(actor: Actor, caseId: string, consentId: string, dto: WithdrawConsentDto): Promise<ConsentResponseDto> {
    return this.dataSource.transaction(async (em) => {
      await this.cases.findAccessible(em, actor, caseId);
      // The case row's lock, which a disclosure holds while it asks the gate (a delivery, an approval): that one either
      // commits first, and the recall this withdrawal sets off finds it, or waits and reads the consent withdrawn.
      await caseDisclosureFacts(em, caseId, { lock: true });
      const consent = await em.findOne(ConsentEntity, { where: { id: consentId, caseId }, lock: { mode: 'pessimistic_write' } });
      if (!consent) throw notFound('Consent');
      if (consent.status === 'withdrawn') {
        throw new DomainError('CONSENT_ALREADY_WITHDRAWN', 'This consent has already been withdrawn', {
          consentId,
          withdrawnAt: consent.withdrawnAt?.toISOString() ?? null,
        });
      }
      const sealed = await this.sealReason(em, caseId, consentId, dto.reason);
      await em.update(
        ConsentEntity,
        { id: consentId },
        { status: 'withdrawn', withdrawnAt: new Date(), withdrawnByUserId: actor.userId, withdrawalReasonCiphertext: sealed },
      );
      // Referral recall hangs off this event (the referrals module adds it to the consent processor).
      await this.outbox.add(em, { type: CONSENT_JOBS.withdrawn, payload: { consentId, caseId }, correlationId: actor.correlationId });
      // The organisation's own systems hear of it too (webhooks): ids and the status only.
      await this.outbox.publish(em, {
        type: 'consent.withdrawn',
        organisationId: actor.organisationId,
        data: { consentId, caseId, status: 'withdrawn' },
        occurredAt: new Date(),
      });
      const closedAlerts = await this.alerts.resolveOpenForRecord(
        em,
        { recordType: 'consent', recordId: consentId, type: 'consent_expiring' },
        'consent_withdrawn',
      );
      // The reason stays out of the audit trail: it is the person's own words.
      await this.audit.record(em, actor, {
        action: 'consent.withdraw',
        recordType: 'consent',
        recordId: consentId,
        details: { caseId, resolvedAlerts: closedAlerts },
      });
      return consentView(await this.load(em, caseId, consentId), sealed ? dto.reason : null);
    });
  }

  private async load(em: EntityManager, caseId: string, consentId: string): Promise<ConsentEntity> {
    const consent = await em.findOne(ConsentEntity, { where: { id: consentId, caseId }, relations: { provisions: true } });
    if (!consent) throw notFound('Consent');
    return consent;
  }

  /**
   * The reason, sealed under the case's data key like the case's identity, so erasing the case's identity
   * (destroying the key) erases it too. A withdrawal must never fail for want of a key: without a usable one (an
   * erased case, a master key not configured here) the withdrawal stands and its reason is not kept.
   */
  private sealReason(em: EntityManager, caseId: string, consentId: string, reason: string): Promise<Buffer | null> {
    return this.keys.seal(em, caseId, reasonField(consentId), reason, { unavailable: 'null' });
  }

  /** The reason, or null when none was kept, the key is gone or unusable, or it fails authentication (warned, ids only). */
  private async openReason(em: EntityManager, caseId: string, consentId: string): Promise<string | null> {
    const row = await em.findOne(ConsentEntity, { select: { id: true, withdrawalReasonCiphertext: true }, where: { id: consentId } });
    return this.keys.open<string>(em, caseId, reasonField(consentId), row?.withdrawalReasonCiphertext ?? null);
  }
}
