import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { buildClaims, PacketBody, PacketClaims, PacketType, signClaims } from './packet';

export interface SignedPacket<B extends PacketBody = PacketBody> {
  jws: string;
  claims: PacketClaims<B>;
}

/** Signs packets for a partner with this node's Ed25519 key. The body carries ids and consented data only, never more. */
@Injectable()
export class FederationSigner {
  constructor(private readonly config: AppConfig) {}

  get nodeId(): string {
    return this.config.federation.nodeId;
  }

  async sign<B extends PacketBody>(
    typ: PacketType,
    audience: string,
    body: B,
    opts: { now?: Date; jti?: string } = {},
  ): Promise<SignedPacket<B>> {
    const claims = buildClaims(this.config.federation.nodeId, audience, typ, body, {
      ...opts,
      ttlSeconds: this.config.federation.packetTtlSeconds,
    });
    return { jws: await signClaims(claims, this.config.node.signingKey, this.config.node.keyId), claims };
  }
}
