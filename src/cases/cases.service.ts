import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, MoreThan } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { notFound } from '../common/errors/domain-error';
import { BreakGlassGrantEntity } from './break-glass-grant.entity';
import { CaseAccess, caseAccess, isCaseStaff, needsBreakGlass } from './case-access';
import { CaseEntity } from './case.entity';

export interface FindCaseOptions {
  /** Lock the row (SELECT … FOR UPDATE) for a state change in the caller's transaction. */
  lock?: boolean;
}

@Injectable()
export class CasesService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The case if this actor may see it, else the same 404 as a missing id. Identity columns are not loaded.
   * Other modules (consent, referrals, restitution) use this for their own access checks on a case.
   */
  async findAccessible(em: EntityManager, actor: Actor, caseId: string, opts: FindCaseOptions = {}): Promise<CaseEntity> {
    return (await this.resolveAccess(em, actor, caseId, opts)).record;
  }

  /** Loads the case within the actor's organisation and applies the visibility rule (see case-access.ts). */
  protected async resolveAccess(
    em: EntityManager,
    actor: Actor,
    caseId: string,
    opts: FindCaseOptions = {},
  ): Promise<{ record: CaseEntity; access: CaseAccess }> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    const record = await em.findOne(CaseEntity, {
      where: { id: caseId, ownerOrganisationId: actor.organisationId },
      ...(opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!record) throw notFound('Case');
    const grant = needsBreakGlass(actor, record) ? await this.hasBreakGlassGrant(em, actor, caseId) : false;
    const access = caseAccess(actor, record, grant);
    if (!access.visible) throw notFound('Case');
    return { record, access };
  }

  private async hasBreakGlassGrant(em: EntityManager, actor: Actor, caseId: string): Promise<boolean> {
    return em.exists(BreakGlassGrantEntity, { where: { caseId, userId: actor.userId, expiresAt: MoreThan(new Date()) } });
  }
}
