import { Module } from '@nestjs/common';
import { FederationClient } from './federation-client';
import { FederationSigner } from './federation-signer';
import { FederationTransport } from './federation-transport';
import { FederationVerifier } from './federation-verifier';
import { InboundPacketStore } from './inbound-packet-store';

/** The transport without routes: signing, verifying, calling partners, the stored inbound packets. */
const TRANSPORT = [FederationSigner, FederationVerifier, FederationClient, FederationTransport, InboundPacketStore];

@Module({ providers: TRANSPORT, exports: TRANSPORT })
export class FederationCoreModule {}
