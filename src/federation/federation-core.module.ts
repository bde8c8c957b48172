import { Module } from '@nestjs/common';
import { FederationClient } from './federation-client';
import { FederationSigner } from './federation-signer';
import { FederationVerifier } from './federation-verifier';
import { InboundPacketStore } from './inbound-packet-store';

/** The signing, verifying and calling pieces, without routes: what the worker's delivery processor will import. */
@Module({
  providers: [FederationSigner, FederationVerifier, FederationClient, InboundPacketStore],
  exports: [FederationSigner, FederationVerifier, FederationClient, InboundPacketStore],
})
export class FederationCoreModule {}
