import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { FederationPartnerEntity } from './federation-partner.entity';
import { rememberPacketId } from './received-jti';
import { checkClaims, decodeUnverified, PacketClaims, PacketType, verifySignature } from './packet';

export interface VerifiedPacket {
  partner: FederationPartnerEntity;
  kid: string;
  claims: PacketClaims;
}

const unknownKey = () => new DomainError('FEDERATION_UNKNOWN_KEY', 'The packet is not signed with a key registered for its sender');

/**
 * Checks a packet from a partner and applies its effect at most once. Refusals, in order: not a packet (400), sender or
 * key not registered (401), bad signature (401), partner suspended (403), not canonical or malformed claims (400),
 * addressed to another node (403), wrong type for the endpoint (400), expired (401), already received (409).
 * Nothing is written on any refusal.
 */
@Injectable()
export class FederationVerifier {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async verify(jws: string, typ: PacketType, now?: Date): Promise<VerifiedPacket> {
    const { kid, iss } = decodeUnverified(jws);
    const partner = await this.dataSource.getRepository(FederationPartnerEntity).findOne({ where: { nodeId: iss } });
    // An unknown sender and an unknown key of a known sender answer alike: the caller learns nothing about the registry.
    if (!partner) throw unknownKey();
    const jwk = partner.jwks.keys.find((k) => k.kid === kid);
    if (!jwk) throw unknownKey();
    const signed = await verifySignature(jws, jwk);
    if (partner.status !== 'active')
      throw new DomainError('FEDERATION_PARTNER_INACTIVE', 'This deployment does not accept packets from the sender now');
    const claims = checkClaims(signed, { audience: this.config.federation.nodeId, typ, now });
    return { partner, kid, claims };
  }

  /**
   * Verifies the packet, then records its id and runs the effect in one transaction: a replay finds the id and is
   * refused, and an effect that fails leaves no id behind (the partner may send the packet again).
   */
  async receive<T>(
    jws: string,
    typ: PacketType,
    effect: (em: EntityManager, packet: VerifiedPacket) => Promise<T>,
    now?: Date,
  ): Promise<T> {
    const packet = await this.verify(jws, typ, now);
    return this.dataSource.transaction(async (em) => {
      if (!(await rememberPacketId(em, packet.partner.id, packet.claims)))
        throw new DomainError('FEDERATION_REPLAY', 'This packet was already received', { jti: packet.claims.jti });
      return effect(em, packet);
    });
  }
}
