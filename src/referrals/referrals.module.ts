import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { FederationCoreModule } from '../federation/federation-core.module';
import { ConsentModule } from '../consent/consent.module';
import { ReferralProcessor } from './jobs/referral.processor';
import { ReferralWorkflow } from './referral-workflow.service';
import { REMOTE_DELIVERY_PORT, UnconfiguredRemoteDelivery } from './remote-delivery.port';
import { ReferralsController } from './referrals.controller';
import { ReferralsService } from './referrals.service';

/** The referral unit of work without HTTP or decryption: for the API and for the worker (delivery, deadlines, recall). */
@Module({ imports: [AlertsModule, ConsentModule], providers: [ReferralWorkflow], exports: [ReferralWorkflow] })
export class ReferralsCoreModule {}

/** The routes under /api/v1/referrals; ReferralsService is exported for the federation module (applyPartnerEvent). */
@Module({
  imports: [ReferralsCoreModule, CasesModule, FederationCoreModule],
  controllers: [ReferralsController],
  providers: [ReferralsService],
  exports: [ReferralsService],
})
export class ReferralsModule {}

/**
 * The worker's part: the referrals queue processor, and the remote delivery port. Until the federation delivery
 * provides its own implementation, a referral to a remote organisation fails visibly (remote_delivery_not_configured).
 */
@Module({
  imports: [ReferralsCoreModule],
  providers: [ReferralProcessor, { provide: REMOTE_DELIVERY_PORT, useClass: UnconfiguredRemoteDelivery }],
  exports: [ReferralsCoreModule],
})
export class ReferralsWorkerModule {}
