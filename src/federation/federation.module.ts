import { Module } from '@nestjs/common';
import { OrganisationsModule } from '../organisations/organisations.module';
import { FederationClient } from './federation-client';
import { FederationController } from './federation.controller';
import { FederationInboundService } from './federation-inbound.service';
import { FederationReferralInboundService } from './federation-referral-inbound.service';
import { FederationReferralRecords } from './federation-referral-records';
import { ReferralFederationPort } from './referral-federation.port';
import { FederationPartnersController } from './federation-partners.controller';
import { FederationPartnersService } from './federation-partners.service';
import { FederationSigner } from './federation-signer';
import { FederationVerifier } from './federation-verifier';

/** The signing, verifying and calling pieces, without routes: what the worker's delivery processor will import. */
@Module({ providers: [FederationSigner, FederationVerifier, FederationClient], exports: [FederationSigner, FederationVerifier, FederationClient] })
export class FederationCoreModule {}

/** The API side: node-to-node routes and the partner registry. */
@Module({
  imports: [FederationCoreModule, OrganisationsModule],
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
