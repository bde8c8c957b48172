import { DynamicModule, Module, Type } from '@nestjs/common';
import { OrganisationsModule } from '../organisations/organisations.module';
import { FederationController } from './federation.controller';
import { FederationDescriptorController } from './federation-descriptor.controller';
import { FederationDescriptorService } from './federation-descriptor.service';
import { FederationCoreModule } from './federation-core.module';
import { FederationInboundService } from './federation-inbound.service';
import { FederationReferralInboundService } from './federation-referral-inbound.service';
import { FederationPartnersController } from './federation-partners.controller';
import { FederationPartnersService } from './federation-partners.service';

/**
 * The API side: node-to-node routes and the partner registry. The inbound referral routes hand each verified packet
 * to a ReferralFederationPort; `referralRecords` is the module that exports it (the referrals module). The app root
 * passes it in, so federation imports no domain module that builds on it.
 */
@Module({})
export class FederationModule {
  static forRoot(referralRecords: Type<unknown>): DynamicModule {
    return {
      module: FederationModule,
      imports: [FederationCoreModule, OrganisationsModule, referralRecords],
      controllers: [FederationController, FederationPartnersController, FederationDescriptorController],
      providers: [FederationInboundService, FederationPartnersService, FederationReferralInboundService, FederationDescriptorService],
      exports: [FederationCoreModule],
    };
  }
}
