import { Injectable } from '@nestjs/common';
import { EntityManager, MoreThan } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { notFound } from '../common/errors/domain-error';
import { BreakGlassGrantEntity } from './break-glass-grant.entity';
import { CaseAccess, caseAccess, isCaseStaff, needsBreakGlass } from './case-access';
import { CaseEntity } from './case.entity';

export interface FindCaseOptions {
  /** Lock the row (SELECT … FOR UPDATE) for a state change in the caller's transaction. */
  lock?: boolean;
}

export interface ResolvedAccess {
  record: CaseEntity;
  access: CaseAccess;
  /** The break-glass grant that opens the case to this actor, if that is what opens it. */
  grantId: string | null;
}

/**
 * Who may see which case: loads the case inside the actor's organisation and applies the rule (case-access.ts),
 * including the look-up of an active break-glass grant, which is part of access. The lowest service of the module:
 * every other one asks it, and an out-of-scope case is the same 404 as a missing one.
 */
@Injectable()
export class CaseAccessService {
  /** The case if this actor may see it, else 404. Identity columns are not loaded. */
  async findAccessible(em: EntityManager, actor: Actor, caseId: string, opts: FindCaseOptions = {}): Promise<CaseEntity> {
    return (await this.resolve(em, actor, caseId, opts)).record;
  }

  async resolve(em: EntityManager, actor: Actor, caseId: string, opts: FindCaseOptions = {}): Promise<ResolvedAccess> {
    if (!isCaseStaff(actor)) throw notFound('Case');
    const record = await em.findOne(CaseEntity, {
      where: { id: caseId, ownerOrganisationId: actor.organisationId },
      ...(opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!record) throw notFound('Case');
    return { record, ...(await this.applyRule(em, actor, record)) };
  }

  /** The rule for a case already loaded within the actor's organisation; 404 when it is hidden from them. */
  async applyRule(em: EntityManager, actor: Actor, record: CaseEntity): Promise<{ access: CaseAccess; grantId: string | null }> {
    // Only a danger-flagged case the actor is not assigned to costs the extra look-up.
    const grantId = needsBreakGlass(actor, record) ? await this.activeGrant(em, actor, record.id) : null;
    const access = caseAccess(actor, record, grantId !== null);
    if (!access.visible) throw notFound('Case');
    return { access, grantId };
  }

  private async activeGrant(em: EntityManager, actor: Actor, caseId: string): Promise<string | null> {
    const grant = await em.findOne(BreakGlassGrantEntity, {
      select: { id: true },
      where: { caseId, userId: actor.userId, expiresAt: MoreThan(new Date()) },
      order: { expiresAt: 'DESC' },
    });
    return grant?.id ?? null;
  }
}
