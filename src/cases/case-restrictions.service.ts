import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { OutboxService } from '../outbox/outbox.service';
import { CaseAccessService } from './case-access.service';
import { CaseKey, CaseKeys } from './case-keys.service';
import { CaseRestrictionEntity } from './case-restriction.entity';
import { RestrictCaseDto } from './dto/case-input.dto';
import { CaseRestrictionDto } from './dto/case-response.dto';
import { CASE_JOBS, CaseRestrictionChangedPayload, RestrictionChange } from './jobs/case.jobs';

const reasonField = (restrictionId: string): string => `restrictionReason:${restrictionId}`;

/**
 * The person's right to restrict the use of their case, exercised through a caseworker or supervisor of the owning
 * organisation. A restriction is a row; the disclosure gate reads "is there an unlifted one" with the case's facts
 * (case-facts.ts) and refuses every new disclosure while it stands. Restricting or lifting is audited (ids only: the
 * reason is sealed under the case's key) and published as cases.restriction-changed, to which the referrals module
 * reacts by telling every organisation that received the case.
 */
@Injectable()
export class CaseRestrictions {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: CaseAccessService,
    private readonly keys: CaseKeys,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  async restrict(actor: Actor, caseId: string, dto: RestrictCaseDto): Promise<CaseRestrictionDto> {
    return this.dataSource.transaction(async (em) => {
      // The case row's lock orders this against a disclosure that asks the gate with lockCase.
      await this.access.resolve(em, actor, caseId, { lock: true });
      if (await this.active(em, caseId)) throw new DomainError('CASE_ALREADY_RESTRICTED', 'The use of this case is already restricted');
      const id = randomUUID();
      // An erased identity took the case key with it: the restriction still stands, without its reason.
      const reasonCiphertext = await this.keys.seal(em, caseId, reasonField(id), dto.reason);
      await em.insert(CaseRestrictionEntity, {
        id,
        caseId,
        reasonCiphertext,
        restrictedBy: actor.userId,
        organisationId: actor.organisationId,
      });
      await this.audit.record(em, actor, {
        action: 'case.restricted',
        recordType: 'case',
        recordId: caseId,
        details: { restrictionId: id },
      });
      await this.publish(em, actor, { caseId, restrictionId: id, change: 'restricted' });
      const row = await em.findOneOrFail(CaseRestrictionEntity, { where: { id } });
      return restrictionView(row, reasonCiphertext ? dto.reason : null);
    });
  }

  async lift(actor: Actor, caseId: string): Promise<CaseRestrictionDto> {
    return this.dataSource.transaction(async (em) => {
      await this.access.resolve(em, actor, caseId, { lock: true });
      const row = await this.active(em, caseId);
      if (!row) throw new DomainError('CASE_NOT_RESTRICTED', 'The use of this case is not restricted');
      const liftedAt = new Date();
      await em.update(CaseRestrictionEntity, { id: row.id }, { liftedAt, liftedBy: actor.userId });
      await this.audit.record(em, actor, {
        action: 'case.restriction_lifted',
        recordType: 'case',
        recordId: caseId,
        details: { restrictionId: row.id },
      });
      await this.publish(em, actor, { caseId, restrictionId: row.id, change: 'lifted' });
      const reason = await this.keys.open<string>(em, caseId, reasonField(row.id), row.reasonCiphertext);
      return restrictionView({ ...row, liftedAt, liftedBy: actor.userId }, reason);
    });
  }

  /**
   * Every restriction of the case, newest first, with the reasons opened (one key load). For the owning organisation's
   * own views (the person's access report); the caller has checked access.
   */
  async history(em: EntityManager, caseId: string): Promise<CaseRestrictionDto[]> {
    const rows = await em.find(CaseRestrictionEntity, { where: { caseId }, order: { restrictedAt: 'DESC' } });
    if (rows.length === 0) return [];
    const opened = await this.keys.withCaseKey(
      em,
      caseId,
      (key: CaseKey) => rows.map((r) => restrictionView(r, key.openOrNull<string>(reasonField(r.id), r.reasonCiphertext))),
      { unavailable: 'null' },
    );
    return opened ?? rows.map((r) => restrictionView(r, null));
  }

  private active(em: EntityManager, caseId: string): Promise<CaseRestrictionEntity | null> {
    return em.findOne(CaseRestrictionEntity, { where: { caseId, liftedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
  }

  private async publish(em: EntityManager, actor: Actor, change: { caseId: string; restrictionId: string; change: RestrictionChange }) {
    // One restriction stands at a time and the case row is locked: the n-th restriction is change 2n-1, its lift 2n.
    const restrictions = await em.count(CaseRestrictionEntity, { where: { caseId: change.caseId } });
    const sequence = String(change.change === 'restricted' ? 2 * restrictions - 1 : 2 * restrictions);
    const payload: CaseRestrictionChangedPayload = { ...change, sequence };
    await this.outbox.add(em, { type: CASE_JOBS.restrictionChanged, payload, correlationId: actor.correlationId });
  }
}

function restrictionView(row: CaseRestrictionEntity, reason: string | null): CaseRestrictionDto {
  return {
    id: row.id,
    caseId: row.caseId,
    active: row.liftedAt === null,
    reason,
    restrictedBy: row.restrictedBy,
    restrictedAt: row.restrictedAt.toISOString(),
    liftedAt: row.liftedAt?.toISOString() ?? null,
    liftedBy: row.liftedBy,
  };
}
