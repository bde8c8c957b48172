/**
 * A correction of the case sent on to a recipient on a partner deployment (GDPR Art. 19; the referrals.rectification-
 * notice job, queued by ReferralRectificationNotices): a signed `rectification` event carrying the corrected fields of
 * the categories the recipient's consent still covers. The job carries ids only; here, just before it leaves, the
 * referral must still be held by the recipient, the disclosure gate is asked again (path referral.rectify) and the
 * corrected values are read (only the identity fields those categories need are decrypted). Its jti is derived from
 * the correction and the referral, so a repeat (a lost answer, the job run again) is a replay the partner refuses,
 * which means the first copy arrived. The partner's signed acknowledgement is kept (federation_notice_acks) and
 * audited once; a refusal, or retries run out, alert the case's owner.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { CasesService } from '../cases/cases.service';
import { FederationTransport } from '../federation/federation-transport';
import { RectificationEventBody } from '../federation/referral-packets';
import { buildPacketData, categoriesOfFields, correctedSections, identityFieldsFor } from './referral-packet';
import { ReferralReads } from './referral-reads';
import { HOLDING_STATUSES, RectificationNoticePayload, ReferralRectificationNotices } from './referral-rectification-notices';
import { REFERRAL_RECORD } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

export type RectificationSent = 'delivered' | 'retry' | 'permanent' | 'nothing';

/** The packet id of one correction sent on one referral: the same on every attempt (a UUID-shaped digest). */
export function rectificationJti(correctionId: string, referralId: string): string {
  const h = createHash('sha256').update(`rectification:${correctionId}:${referralId}`).digest('hex');
  const variant = ((parseInt(h[16], 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

@Injectable()
export class ReferralRectificationSender {
  private readonly logger = new Logger(ReferralRectificationSender.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReferralReads,
    private readonly notices: ReferralRectificationNotices,
    private readonly cases: CasesService,
    private readonly transport: FederationTransport,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
  ) {}

  /** One attempt; 'nothing' when there is nothing (left) to send: recalled or ended meanwhile, or consent gone. */
  async send(payload: RectificationNoticePayload): Promise<RectificationSent> {
    const jti = rectificationJti(payload.correctionId, payload.referralId);
    const prepared = await this.dataSource.transaction('REPEATABLE READ', (em) => this.prepare(em, payload));
    if (!prepared) return 'nothing';
    const { body, partner, organisationId } = prepared;
    const sent = await this.transport.send(partner, 'event', `/federation/v1/referrals/${payload.referralId}/events`, body, jti);
    const replayed = sent.outcome === 'permanent' && sent.errorCode === 'FEDERATION_REPLAY';
    if (sent.outcome === 'retry') return 'retry';
    if (sent.outcome === 'permanent' && !replayed) {
      this.logger.warn({ referralId: payload.referralId, errorCode: sent.errorCode ?? null }, 'partner refused a rectification');
      return 'permanent';
    }
    if (sent.outcome === 'delivered' && (sent.ack.ack !== 'event' || sent.ack.referralId !== payload.referralId)) return 'retry';
    await this.dataSource.transaction(async (em) => {
      const ackJws = sent.outcome === 'delivered' ? sent.ackJws : null;
      if (!(await this.transport.keepNoticeAck(em, jti, payload.referralId, partner.id, ackJws))) return;
      await this.notices.recordAcknowledged(em, payload.referralId, organisationId, payload.correctionId, body.categories, jti);
    });
    return 'delivered';
  }

  /** The partner refused it, or could not be reached after the queue's retries: the case's owner is told. */
  async failed(em: EntityManager, payload: RectificationNoticePayload, failureReason: string, outboxId: string): Promise<void> {
    const referral = await this.reads.lock(em, payload.referralId);
    if (!referral?.caseId) return;
    const owner = (await this.cases.ownerOf(em, referral.caseId)) ?? referral.sendingOrganisationId;
    await this.alerts.raise(em, {
      organisationId: owner,
      type: 'delivery_failed',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      caseId: referral.caseId,
      details: { notification: 'rectification_notice', failureReason, correctionId: payload.correctionId },
      dedupeKey: `delivery_failed:rectification_notice:${outboxId}`,
    });
  }

  private async prepare(em: EntityManager, payload: RectificationNoticePayload) {
    const referral = await em.findOne(ReferralEntity, { where: { id: payload.referralId } });
    // Recalled, cancelled or ended meanwhile: the recipient holds nothing to correct.
    if (!referral?.caseId || referral.caseId !== payload.caseId || !HOLDING_STATUSES.includes(referral.status)) return null;
    const remote = await this.reads.partnerOf(em, referral.receivingOrganisationId);
    const fields = await this.cases.correctionFields(em, referral.caseId, payload.correctionId);
    if (!remote || !fields) return null;
    const decided = await this.notices.decide(em, referral.caseId, referral, categoriesOfFields(fields));
    if (!decided) return null;
    if (decided.categories.length === 0) {
      await this.audit.record(em, null, {
        action: 'referral.rectification_withheld',
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        details: {
          correctionId: payload.correctionId,
          categories: decided.carried,
          blocks: decided.answer.blocks,
          refused: decided.answer.refused.map((r) => r.category),
        },
      });
      return null;
    }
    const { record, identity } = await this.cases.forDisclosure(em, referral.caseId, identityFieldsFor(decided.categories));
    const data = correctedSections(buildPacketData(record, identity, decided.categories), fields);
    const categories = decided.categories.filter((c) => data[c] !== undefined);
    if (categories.length === 0) return null;
    const body: RectificationEventBody = {
      referralId: referral.id,
      kind: 'rectification',
      correctionId: payload.correctionId,
      categories,
      data,
      occurredAt: new Date().toISOString(),
    };
    return { body, partner: await this.transport.partner(em, remote.partnerId), organisationId: remote.organisationId };
  }
}
