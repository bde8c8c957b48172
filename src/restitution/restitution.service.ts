/**
 * What other modules ask of restitution: on a case transfer, who pursues its claims
 * (ClaimResponsibility.onCaseOwnershipTransferred, in the transfer's transaction). The rest of the module is
 * RestitutionClaims, RestitutionPayments and ClaimResponsibility (who sees a claim: ClaimAccessService), which the
 * controllers use directly.
 */
export { ClaimResponsibility as RestitutionService } from './claim-responsibility.service';
