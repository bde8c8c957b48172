import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { CaseRestitutionController, RestitutionClaimsController } from './restitution.controller';
import { ClaimAccessService } from './claim-access.service';
import { ClaimCopiesController } from './claim-copies.controller';
import { ClaimDeadlineJobs } from './claim-deadline-jobs';
import { RestitutionSharingModule } from './restitution-sharing.module';
import { ClaimResponsibility } from './claim-responsibility.service';
import { RestitutionClaims } from './restitution-claims.service';
import { RestitutionPayments } from './restitution-payments.service';
import { RestitutionText } from './restitution-text';

/**
 * Restitution claims and payments (API). Exports ClaimResponsibility (restitution.service.ts names it RestitutionService for other
 * modules) so the referrals module can call onCaseOwnershipTransferred when an accepted referral transfers a case.
 */
@Module({
  imports: [CasesModule, DisclosureModule, AlertsModule, RestitutionSharingModule],
  controllers: [CaseRestitutionController, RestitutionClaimsController, ClaimCopiesController],
  providers: [ClaimAccessService, ClaimDeadlineJobs, RestitutionText, RestitutionClaims, RestitutionPayments, ClaimResponsibility],
  // ClaimAccessService: the change feed (src/changes) asks it who may see a claim.
  exports: [ClaimResponsibility, RestitutionClaims, ClaimAccessService, RestitutionSharingModule],
})
export class RestitutionModule {}
