import { Module } from '@nestjs/common';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { ReferralsCoreModule } from '../referrals/referrals-core.module';
import { FederationCoreModule } from './federation-core.module';
import { FederationRemoteDelivery } from './federation-remote-delivery';
import { FederationProcessor } from './federation.processor';

/** The worker's federation: the federation queue (replay-table purge, partner notifications) and remote delivery. */
@Module({
  imports: [FederationCoreModule, ReferralsCoreModule, CasesModule, AlertsModule, DisclosureModule],
  providers: [FederationRemoteDelivery, FederationProcessor],
  exports: [FederationRemoteDelivery],
})
export class FederationWorkerModule {}
