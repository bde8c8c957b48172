import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { FederationCoreModule } from '../federation/federation-core.module';
import { ReferralFederationPort } from '../federation/referral-federation.port';
import { RestitutionModule } from '../restitution/restitution.module';
import { RestitutionSharingModule } from '../restitution/restitution-sharing.module';
import { ReferralProcessor } from './jobs/referral.processor';
import { ReferralPartnerInbound } from './referral-partner-inbound';
import { ReferralRecipients } from './referral-recipients';
import { ReferralRectificationSender } from './referral-rectification-sender';
import { ReferralRemoteDelivery } from './referral-remote-delivery';
import { ReferralRestitutionSync } from './referral-restitution-sync';
import { ReferralsController } from './referrals.controller';
import { ReferralsCoreModule } from './referrals-core.module';
import { ReferralsService } from './referrals.service';
import { ReferredCaseReader } from './referred-case.service';
import { REMOTE_DELIVERY_PORT } from './remote-delivery.port';

/**
 * The routes under /api/v1/referrals, and the referral records behind inbound federation packets
 * (ReferralFederationPort, exported for the federation module, which the app root wires to this one), and who received
 * a case (ReferralRecipients, for the person's rights in src/rights).
 */
@Module({
  imports: [ReferralsCoreModule, CasesModule, RestitutionModule, FederationCoreModule],
  controllers: [ReferralsController],
  providers: [
    ReferralsService,
    ReferredCaseReader,
    ReferralRecipients,
    { provide: ReferralFederationPort, useClass: ReferralPartnerInbound },
  ],
  // ReferralsService and ReferredCaseReader: the change feed (src/changes) asks them who may see a referral and its case.
  exports: [ReferralFederationPort, ReferralRecipients, ReferralsService, ReferredCaseReader],
})
export class ReferralsModule {}

/**
 * The worker's part: the referrals queue processor (delivery, deadlines, recalls, partner events, consent withdrawals)
 * and the remote delivery port (packets built here, sent through the federation transport).
 */
@Module({
  imports: [ReferralsCoreModule, FederationCoreModule, CasesModule, AlertsModule, RestitutionSharingModule],
  providers: [
    ReferralProcessor,
    ReferralRemoteDelivery,
    ReferralRectificationSender,
    ReferralRestitutionSync,
    { provide: REMOTE_DELIVERY_PORT, useExisting: ReferralRemoteDelivery },
  ],
})
export class ReferralsWorkerModule {}
