import { RestitutionModule } from '../restitution/restitution.module';
import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { FederationCoreModule } from '../federation/federation-core.module';
import { ReferralProcessor } from './jobs/referral.processor';
import { FederationRemoteDelivery } from '../federation/federation-remote-delivery';
import { FederationWorkerModule } from '../federation/federation-worker.module';
import { REMOTE_DELIVERY_PORT } from './remote-delivery.port';
import { ReferralsController } from './referrals.controller';
import { ReferralsCoreModule } from './referrals-core.module';
import { ReferralsService } from './referrals.service';

/** The routes under /api/v1/referrals; ReferralsService is exported for the federation module (applyPartnerEvent). */
@Module({
  imports: [ReferralsCoreModule, CasesModule, RestitutionModule, FederationCoreModule],
  controllers: [ReferralsController],
  providers: [ReferralsService],
  exports: [ReferralsService],
})
export class ReferralsModule {}

/** The worker's part: the referrals queue processor, and the remote delivery port (signed packets to partner deployments). */
@Module({
  imports: [ReferralsCoreModule, FederationWorkerModule],
  providers: [ReferralProcessor, { provide: REMOTE_DELIVERY_PORT, useExisting: FederationRemoteDelivery }],
  exports: [ReferralsCoreModule],
})
export class ReferralsWorkerModule {}
