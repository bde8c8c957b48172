import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { isCaseStaff } from '../cases/case-access';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { DisclosureGate, GateAnswer, refusal } from '../disclosure/disclosure-gate.service';
import { ClaimResponsibilityEntity } from './claim-responsibility.entity';
import { ClaimAccess } from './dto/restitution-response.dto';
import { CONSENT_CATEGORY, CONSENT_PURPOSE, NOT_FOUND_WHAT } from './restitution.constants';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/** In a list of a case's claims: why the actor sees each one (the list itself decided that they may). */
export function listAccess(actor: Actor, claim: RestitutionClaimEntity, caseVisible: boolean): ClaimAccess {
  if (claim.responsibleOrganisationId === actor.organisationId) return 'responsible';
  if (caseVisible) return 'case';
  if (claim.survivorContactOrganisationId === actor.organisationId) return 'survivor_contact';
  return 'consent';
}

/**
 * Who sees a claim (the lowest restitution service; the others ask it):
 *  - in the organisation that owns the case: whoever CasesService.findAccessible lets see the case (danger flag and
 *    break-glass rules included);
 *  - the claim's responsible organisation and its survivor-contact organisation (caseworkers and supervisors);
 *  - any other organisation only while the case's consent permits the `restitution` category for the purpose
 *    `restitution_claim` to it; read-only, without the free-text fields.
 * Everyone else gets the 404 of a missing claim. Only the responsible organisation changes a claim or records payments.
 */
@Injectable()
export class ClaimAccessService {
  constructor(
    private readonly cases: CasesService,
    private readonly gate: DisclosureGate,
  ) {}

  async caseVisible(em: EntityManager, actor: Actor, caseId: string): Promise<boolean> {
    try {
      await this.cases.findAccessible(em, actor, caseId);
      return true;
    } catch (err) {
      if (err instanceof DomainError && err.code === 'NOT_FOUND') return false;
      throw err;
    }
  }

  /** The disclosure gate: may the actor's organisation, which does not own the case, see its claims now? */
  viewDecision(
    em: EntityManager,
    actor: Actor,
    caseId: string,
    claimRole: 'responsible' | 'survivor_contact' | null = null,
  ): Promise<GateAnswer> {
    return this.gate.decide(em, {
      path: 'restitution.view',
      caseId,
      recipientOrganisationId: actor.organisationId,
      purpose: CONSENT_PURPOSE,
      categories: [CONSENT_CATEGORY],
      actor,
      claimRole,
    });
  }

  /** The organisation that opened the claim: the claim is its own record, so showing it to it discloses nothing. */
  private async openedBy(em: EntityManager, claimId: string): Promise<string | null> {
    const first = await em.findOne(ClaimResponsibilityEntity, {
      select: { id: true, responsibleOrganisationId: true },
      where: { claimId, cause: 'claim_created' },
    });
    return first?.responsibleOrganisationId ?? null;
  }

  /**
   * Why this actor sees the claim, or null when it does not. Outside the case's organisation, the responsible and the
   * survivor-contact organisations see it (free text included) only while consent permits them `restitution` for
   * `restitution_claim` — unless they opened the claim themselves — and are told why when it no longer does.
   */
  async accessTo(em: EntityManager, actor: Actor, claim: RestitutionClaimEntity): Promise<ClaimAccess | null> {
    if (!isCaseStaff(actor)) return null;
    const owner = await this.cases.ownerOf(em, claim.caseId);
    if (!owner) return null;
    if (owner === actor.organisationId) {
      // Inside the case's organisation the case's own rule decides, responsible or not (a danger-flagged case stays hidden).
      if (!(await this.caseVisible(em, actor, claim.caseId))) return null;
      return claim.responsibleOrganisationId === actor.organisationId ? 'responsible' : 'case';
    }
    const role: ClaimAccess | null =
      claim.responsibleOrganisationId === actor.organisationId
        ? 'responsible'
        : claim.survivorContactOrganisationId === actor.organisationId
          ? 'survivor_contact'
          : null;
    if (role && (await this.openedBy(em, claim.id)) === actor.organisationId) return role;
    const gate = await this.viewDecision(em, actor, claim.caseId, role === 'responsible' || role === 'survivor_contact' ? role : null);
    if (gate.allowed) return role ?? 'consent';
    if (role) throw refusal(gate, 'recipient');
    return null;
  }

  async resolveClaim(
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
      throw new DomainError(
        'RESTITUTION_NOT_RESPONSIBLE',
        'Only the organisation responsible for this claim can change it or record payments',
        {
          claimId,
        },
      );
    }
    return { claim, access };
  }

  async caseExists(em: EntityManager, caseId: string): Promise<boolean> {
    return (await this.cases.ownerOf(em, caseId)) !== null;
  }
}
