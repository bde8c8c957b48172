import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { runSql } from '../database/sql';
import { FederationClient } from './federation-client';
import { FederationPartnerEntity, PartnerJwk } from './federation-partner.entity';
import { claimKeyRefresh } from './federation.queries';
import { jwkExpired, KEYS_PATH, parsePartnerJwks } from './jwks';
import { rememberPacketId } from './received-jti';
import { checkClaims, CLOCK_SKEW_SECONDS, decodeUnverified, PacketClaims, PacketType, verifySignature } from './packet';

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
 * Nothing is written on any refusal, except the time of a key refresh (below).
 *
 * A key id the sender's record does not hold is the sign of a rotation on the partner's side: its keys are fetched
 * again from its base URL (the same address and outbound guard as at registration) and stored, at most once per
 * FEDERATION_KEY_REFRESH_MIN_SECONDS per partner, whichever replica asks; the packet is then checked against them.
 */
@Injectable()
export class FederationVerifier {
  private readonly logger = new Logger(FederationVerifier.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly client: FederationClient,
    private readonly audit: AuditService,
  ) {}

  async verify(jws: string, typ: PacketType, now?: Date): Promise<VerifiedPacket> {
    const { kid, iss } = decodeUnverified(jws);
    let partner = await this.dataSource.getRepository(FederationPartnerEntity).findOne({ where: { nodeId: iss } });
    // An unknown sender and an unknown key of a known sender answer alike: the caller learns nothing about the registry.
    if (!partner) throw unknownKey();
    let jwk = partner.jwks.keys.find((k) => k.kid === kid);
    if (!jwk && partner.status === 'active') {
      partner = (await this.refreshOnUnknownKid(partner)) ?? partner;
      jwk = partner.jwks.keys.find((k) => k.kid === kid);
    }
    if (!jwk) throw unknownKey();
    const nowSeconds = Math.floor((now ?? new Date()).getTime() / 1000);
    if (jwkExpired(jwk, nowSeconds, CLOCK_SKEW_SECONDS)) throw unknownKey();
    const signed = await verifySignature(jws, jwk);
    if (partner.status !== 'active')
      throw new DomainError('FEDERATION_PARTNER_INACTIVE', 'This deployment does not accept packets from the sender now');
    const claims = checkClaims(signed, { audience: this.config.federation.nodeId, typ, now });
    return { partner, kid, claims };
  }

  /**
   * Fetches the partner's JWKS when no fetch was made within the minimum interval; answers the updated partner, or null
   * when the interval had not passed or the fetch failed (the packet is then refused as from an unknown key, and the
   * sender retries: it counts FEDERATION_UNKNOWN_KEY as worth another attempt).
   */
  private async refreshOnUnknownKid(partner: FederationPartnerEntity): Promise<FederationPartnerEntity | null> {
    const claimed = await runSql(this.dataSource.manager, claimKeyRefresh, [partner.id, this.config.federation.keyRefreshMinSeconds]);
    if (claimed.rowCount === 0) return null;
    const result = await this.client.get(partner.baseUrl, KEYS_PATH);
    let keys: PartnerJwk[];
    try {
      if (result.outcome !== 'delivered') throw new Error(result.reason);
      keys = parsePartnerJwks(result.body).keys;
    } catch {
      this.logger.warn({ partnerId: partner.id, outcome: result.outcome, status: result.status ?? null }, 'partner key refresh failed');
      return null;
    }
    const before = partner.jwks.keys.map((k) => k.kid);
    await this.dataSource.transaction(async (em: EntityManager) => {
      await em.update(FederationPartnerEntity, { id: partner.id }, { jwks: { keys } });
      // Audited like the operator's refresh-keys, without an actor: the trigger was a packet, not a person.
      await this.audit.record(em, null, {
        action: 'federation_partner.refresh_keys',
        recordType: 'federation_partner',
        recordId: partner.id,
        details: { keyIdsBefore: before, keyIds: keys.map((k) => k.kid), trigger: 'unknown_kid' },
      });
    });
    return Object.assign(partner, { jwks: { keys } });
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
