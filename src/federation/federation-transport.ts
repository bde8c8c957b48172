/**
 * The sending half of federation as a transport: sign a packet body for a partner deployment, check the partner's
 * address, POST it, and verify the partner's signed acknowledgement; keep the acknowledgements of referral packets
 * and recalls (federation_outbound_referrals) as proof. What a packet says, and whether it may leave at all, is the
 * referrals module's business (it asks the disclosure gate and builds the body); this file knows no case and no
 * referral row. Never logs a packet's content.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { CallOutcome, FederationClient } from './federation-client';
import { FederationPartnerEntity } from './federation-partner.entity';
import { FederationSigner } from './federation-signer';
import { FederationVerifier } from './federation-verifier';
import { FederationInboundReferralEntity } from './federation-inbound-referral.entity';
import { FederationNoticeAckEntity } from './federation-notice-ack.entity';
import { FederationOutboundReferralEntity } from './federation-outbound-referral.entity';
import { assertSafeOutboundUrl } from '../common/net/outbound-url';
import { PacketType } from './packet';
import { AckPacketBody, parseAckBody } from './referral-packets';

/** A partner deployment as a caller addresses it. */
export type PartnerAddress = Pick<FederationPartnerEntity, 'id' | 'nodeId' | 'baseUrl'>;

/** The result of one signed call, with the partner's verified acknowledgement when it answered 2xx. */
export type Sent =
  | { outcome: 'delivered'; ack: AckPacketBody; ackJws: string }
  /** mayHold: the partner answered 2xx, so it may hold what was sent, but its acknowledgement was refused here. */
  | { outcome: 'permanent'; errorCode?: string; mayHold?: boolean }
  /** mayHold: the partner answered 2xx without an acknowledgement this side accepts. */
  | { outcome: 'retry'; mayHold?: boolean };

@Injectable()
export class FederationTransport {
  private readonly logger = new Logger(FederationTransport.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly signer: FederationSigner,
    private readonly verifier: FederationVerifier,
    private readonly client: FederationClient,
  ) {}

  /** The partner deployment a remote organisation is reached through. */
  partner(em: EntityManager, partnerId: string): Promise<FederationPartnerEntity> {
    return em.findOneOrFail(FederationPartnerEntity, { where: { id: partnerId } });
  }

  /** Signs `body` as a `typ` packet for the partner, sends it to `path`, and checks the acknowledgement. */
  async send(partner: PartnerAddress, typ: PacketType, path: string, body: Record<string, unknown>, jti?: string): Promise<Sent> {
    try {
      await assertSafeOutboundUrl(partner.baseUrl, this.config.federation.outbound);
    } catch (err) {
      // A name that does not resolve now may resolve later; an address this deployment never calls will not change.
      if (err instanceof DomainError && err.code === 'FEDERATION_UNSAFE_ADDRESS') return { outcome: 'permanent', errorCode: err.code };
      return { outcome: 'retry' };
    }
    const { jws, claims } = await this.signer.sign(typ, partner.nodeId, body, jti ? { jti } : {});
    const result: CallOutcome = await this.client.post(partner, path, jws);
    this.logger.log(
      {
        partnerId: partner.id,
        typ,
        jti: claims.jti,
        outcome: result.outcome,
        status: result.status ?? null,
        errorCode: 'errorCode' in result ? (result.errorCode ?? null) : null,
      },
      'federation call',
    );
    if (result.outcome === 'retryable') return { outcome: 'retry' };
    // The partner does not know the key yet: it refreshes this side's keys on an unknown key id, at most once per
    // interval. After a rotation here, another attempt (the queue's backoff) goes through; an unregistered sender
    // still fails when the retries run out.
    if (result.outcome === 'permanent' && result.errorCode === 'FEDERATION_UNKNOWN_KEY') return { outcome: 'retry' };
    if (result.outcome === 'permanent') return { outcome: 'permanent', errorCode: result.errorCode };
    try {
      const ackJws = (result.body as { jws?: unknown } | null)?.jws;
      if (typeof ackJws !== 'string') return { outcome: 'retry', mayHold: true };
      const verified = await this.verifier.verify(ackJws, 'ack');
      if (verified.partner.id !== partner.id) return { outcome: 'retry', mayHold: true };
      const ack = parseAckBody(verified.claims.body);
      if (ack.jti !== claims.jti) return { outcome: 'retry', mayHold: true };
      return { outcome: 'delivered', ack, ackJws };
    } catch (err) {
      // The partner was suspended or retired while the packet was on its way: this side no longer accepts its word,
      // and sending again would only hand it the packet again. A refusal, for good.
      if (err instanceof DomainError && err.code === 'FEDERATION_PARTNER_INACTIVE')
        return { outcome: 'permanent', errorCode: err.code, mayHold: true };
      // A 2xx without a valid acknowledgement proves nothing: try again (and fail for good when retries run out).
      if (err instanceof DomainError) return { outcome: 'retry', mayHold: true };
      throw err;
    }
  }

  /** Keeps the partner's acknowledgement of a referral packet (a repeated delivery keeps the first). */
  async keepReferralAck(
    referralId: string,
    partnerId: string,
    ack: Extract<AckPacketBody, { ack: 'referral' }>,
    ackJws: string,
  ): Promise<void> {
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(FederationOutboundReferralEntity)
      .values({ referralId, partnerId, receivedReferralId: ack.receivedReferralId, ackJws, acknowledgedAt: new Date(ack.receivedAt) })
      .orIgnore()
      .execute();
  }

  /**
   * Keeps the partner's acknowledgement of a recall, in the caller's transaction. True the first time (or when the
   * packet was never acknowledged), so the caller records it once; a repeated recall is acknowledged again.
   */
  async keepRecallAck(em: EntityManager, referralId: string, ackJws: string, restrictedAt: Date): Promise<boolean> {
    const updated = await em
      .createQueryBuilder()
      .update(FederationOutboundReferralEntity)
      .set({ recallAckJws: ackJws, recallAcknowledgedAt: restrictedAt })
      .where('referral_id = :referralId AND recall_acknowledged_at IS NULL', { referralId })
      .execute();
    return (updated.affected ?? 0) > 0 || !(await em.exists(FederationOutboundReferralEntity, { where: { referralId } }));
  }

  /**
   * Keeps the partner's signed acknowledgement of a notice (by the notice's jti), in the caller's transaction. True the
   * first time; false when this notice's acknowledgement is kept already (a repeat, a replay answered).
   */
  async keepNoticeAck(em: EntityManager, jti: string, referralId: string, partnerId: string, ackJws: string | null): Promise<boolean> {
    const inserted = await em
      .createQueryBuilder()
      .insert()
      .into(FederationNoticeAckEntity)
      .values({ jti, referralId, partnerId, ackJws })
      .orIgnore()
      .returning(['jti'])
      .execute();
    return (inserted.raw as unknown[]).length > 0;
  }

  /** The id the partner knows an incoming referral by (the sender's id), or null if it did not come from a partner. */
  async wireIdOfIncoming(em: EntityManager, referralId: string): Promise<string | null> {
    const inbound = await em.findOne(FederationInboundReferralEntity, {
      select: { id: true, remoteReferralId: true },
      where: { referralId },
    });
    return inbound?.remoteReferralId ?? null;
  }
}
