import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditActor } from '../audit/audit.service';
import { ClaimTransferMode } from '../common/vocabulary/restitution';
import { ClaimResponsibility } from './claim-responsibility.service';

/**
 * What other modules ask of restitution. The work is done by RestitutionClaims, RestitutionPayments and
 * ClaimResponsibility (who sees a claim: ClaimAccessService); the controllers use those directly.
 */
@Injectable()
export class RestitutionService {
  constructor(private readonly responsibility: ClaimResponsibility) {}

  /** See ClaimResponsibility.onCaseOwnershipTransferred: in the transaction of an accepted referral that transfers a case. */
  onCaseOwnershipTransferred(
    em: EntityManager,
    caseId: string,
    fromOrg: string,
    toOrg: string,
    mode: ClaimTransferMode,
    actor: AuditActor | null = null,
  ): Promise<number> {
    return this.responsibility.onCaseOwnershipTransferred(em, caseId, fromOrg, toOrg, mode, actor);
  }
}
