import { Module } from '@nestjs/common';
import { OrganisationsModule } from '../organisations/organisations.module';
import { ReferralsCoreModule } from '../referrals/referrals-core.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { FederationController } from './federation.controller';
import { FederationCoreModule } from './federation-core.module';
import { FederationInboundService } from './federation-inbound.service';
import { FederationReferralInboundService } from './federation-referral-inbound.service';
import { FederationReferralRecords } from './federation-referral-records';
import { ReferralFederationPort } from './referral-federation.port';
import { FederationPartnersController } from './federation-partners.controller';
import { FederationPartnersService } from './federation-partners.service';

/** The API side: node-to-node routes and the partner registry. */
@Module({
  imports: [FederationCoreModule, OrganisationsModule, ReferralsCoreModule, ReferralsModule],
  controllers: [FederationController, FederationPartnersController],
  providers: [
    FederationInboundService,
    FederationPartnersService,
    FederationReferralInboundService,
    { provide: ReferralFederationPort, useClass: FederationReferralRecords },
  ],
  exports: [FederationCoreModule, FederationReferralInboundService],
})
export class FederationModule {}

