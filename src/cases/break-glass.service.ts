import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { BreakGlassGrantEntity } from './break-glass-grant.entity';
import { isCaseStaff, needsBreakGlass } from './case-access';
import { CaseAccessService } from './case-access.service';
import { CaseKeys } from './case-keys.service';
import { CaseEntity } from './case.entity';
import { BreakGlassDto } from './dto/case-input.dto';
import { BreakGlassGrantDto } from './dto/case-response.dto';

/** How long a break-glass grant lasts: long enough to act in an emergency, short enough to need a new reason tomorrow. */
export const BREAK_GLASS_TTL_MS = 60 * 60 * 1000;
/** The record type of a break-glass grant in alerts. */
export const BREAK_GLASS_RECORD = 'case_break_glass_grant';
const reasonField = (grantId: string): string => `breakGlassReason:${grantId}`;

function grantView(g: BreakGlassGrantEntity, reason?: string | null): BreakGlassGrantDto {
  return {
    id: g.id,
    caseId: g.caseId,
    userId: g.userId,
    grantedAt: g.grantedAt.toISOString(),
    expiresAt: g.expiresAt.toISOString(),
    ...(reason !== undefined ? { reason } : {}),
    reviewedAt: g.reviewedAt ? g.reviewedAt.toISOString() : null,
    reviewedBy: g.reviewedBy,
  };
}

/**
 * Break-glass (how Lintas reads issue 3, item 5): the normal rule hides a danger-flagged case from the owning
 * organisation's caseworkers who are not assigned to it, and hides the person's identity from its supervisors
 * (they supervise the case, not the person's whereabouts). Such a user may open the case, identity included, only by
 * stating a reason: the grant lasts an hour, the reason is sealed under the case's key, the audit event
 * (`case.break_glass`) refers to the grant by id, and a `break_glass_review` alert asks another supervisor to review it.
 * Nobody outside the owning organisation can break the glass: for them the case does not exist. Whether a grant is
 * active is part of access (CaseAccessService).
 */
@Injectable()
export class BreakGlassService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: CaseAccessService,
    private readonly keys: CaseKeys,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
  ) {}

  async breakGlass(actor: Actor, id: string, dto: BreakGlassDto): Promise<BreakGlassGrantDto> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    return this.dataSource.transaction(async (em) => {
      const record = await em.findOne(CaseEntity, {
        where: { id, ownerOrganisationId: actor.organisationId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!record) throw notFound('Case');
      if (!needsBreakGlass(actor, record))
        throw new DomainError('BREAK_GLASS_NOT_NEEDED', 'You can already open this case; no break-glass is needed');
      const grantId = randomUUID();
      const reasonCiphertext = record.identityErasedAt ? null : await this.keys.seal(em, id, reasonField(grantId), dto.reason);
      if (!reasonCiphertext) {
        throw new DomainError('CASE_IDENTITY_ERASED', 'The identity of this case was erased; there is nothing left to break the glass for');
      }
      const expiresAt = new Date(Date.now() + BREAK_GLASS_TTL_MS);
      await em.insert(BreakGlassGrantEntity, {
        id: grantId,
        caseId: id,
        userId: actor.userId,
        organisationId: actor.organisationId,
        reasonCiphertext,
        expiresAt,
      });
      await this.audit.record(em, actor, {
        action: 'case.break_glass',
        recordType: 'case',
        recordId: id,
        purpose: 'break_glass',
        details: { breakGlassId: grantId, expiresAt: expiresAt.toISOString() },
      });
      // For the organisation's supervisors; the one who broke the glass is its subject and may not resolve it.
      await this.alerts.raise(em, {
        type: 'break_glass_review',
        organisationId: actor.organisationId,
        audience: 'supervisors',
        recordType: BREAK_GLASS_RECORD,
        recordId: grantId,
        caseId: id,
        subjectUserId: actor.userId,
      });
      return grantView(await em.findOneOrFail(BreakGlassGrantEntity, { where: { id: grantId } }));
    });
  }

  /** The case's break-glass grants with their reasons, for the organisation's supervisors to review. */
  async list(actor: Actor, id: string): Promise<BreakGlassGrantDto[]> {
    const em = this.dataSource.manager;
    await this.access.resolve(em, actor, id);
    const grants = await em.find(BreakGlassGrantEntity, { where: { caseId: id }, order: { grantedAt: 'DESC' }, take: 100 });
    if (grants.length === 0) return [];
    const withReasons = await this.keys.withCaseKey(em, id, (key) =>
      grants.map((g) => grantView(g, g.reasonCiphertext ? key.open<string>(reasonField(g.id), g.reasonCiphertext) : null)),
    );
    return withReasons ?? grants.map((g) => grantView(g, null));
  }

  /** A supervisor other than the one who broke the glass marks the grant reviewed. */
  async review(actor: Actor, id: string, grantId: string): Promise<BreakGlassGrantDto> {
    return this.dataSource.transaction(async (em) => {
      await this.access.resolve(em, actor, id);
      const grant = await em.findOne(BreakGlassGrantEntity, { where: { id: grantId, caseId: id }, lock: { mode: 'pessimistic_write' } });
      if (!grant) throw notFound('Break-glass grant');
      if (grant.userId === actor.userId)
        throw new DomainError('BREAK_GLASS_SELF_REVIEW', 'Another supervisor must review your own break-glass access');
      if (grant.reviewedAt) throw new DomainError('BREAK_GLASS_ALREADY_REVIEWED', 'This break-glass access was already reviewed');
      await em.update(BreakGlassGrantEntity, { id: grantId, reviewedAt: IsNull() }, { reviewedAt: new Date(), reviewedBy: actor.userId });
      await this.audit.record(em, actor, {
        action: 'case.break_glass_review',
        recordType: 'case',
        recordId: id,
        details: { breakGlassId: grantId },
      });
      // The review is recorded on the grant (who, when) and in the audit log; the alert has done its job.
      await this.alerts.resolveOpenForRecord(
        em,
        { type: 'break_glass_review', recordType: BREAK_GLASS_RECORD, recordId: grantId },
        'no_longer_applies',
      );
      return grantView(await em.findOneOrFail(BreakGlassGrantEntity, { where: { id: grantId } }));
    });
  }
}
