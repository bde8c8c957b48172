/**
 * The person's right to rectification (GDPR Art. 19): a correction of their case is passed on to every organisation
 * still holding it through a referral, for the categories its consent still covers. This is the referrals module's
 * reaction to the cases module's cases.corrected event. The recipients are the referrals of the case the receiver
 * holds now (received, accepted, in progress: not recalled, not ended); the changed fields are mapped to categories
 * with the packet's own mapping (referral-packet.ts), and the disclosure gate answers, per referral, which of the
 * referral's categories its consent still permits (path referral.rectify, which a restriction does not stop).
 * A category the gate refuses is not sent; a recipient left with none gets nothing. A local recipient gets a
 * case_corrected alert and reads the case again through the gate (GET /referrals/{id}/case); a recipient on a partner
 * deployment gets a signed rectification event (the referrals.rectification-notice job, ids only: the sender,
 * referral-rectification-sender.ts, asks the gate again and reads the corrected values when it sends), which the
 * partner merges into the packet it holds. Ids, field names and category codes only: no value of the person is
 * carried in a job, logged or audited.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { DataCategory, ReferralStatus } from '../common/vocabulary';
import { DisclosureGate, GateAnswer } from '../disclosure/disclosure-gate.service';
import { OutboxService } from '../outbox/outbox.service';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { categoriesOfFields } from './referral-packet';
import { ReferralReads } from './referral-reads';
import { REFERRAL_RECORD } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

/** The statuses in which the receiver holds the case now (a correction is sent to these only). */
export const HOLDING_STATUSES: readonly ReferralStatus[] = ['received', 'accepted', 'in_progress'];

export interface RectificationFanOut {
  /** Referrals told (an alert here). */
  told: number;
  /** Referrals whose consent covers none of the corrected categories: nothing sent. */
  withheld: number;
  /** Referrals to a partner deployment: a signed rectification event queued (referrals.rectification-notice). */
  remote: number;
}

/** The referrals.rectification-notice job: ids only; the corrected values are read and encrypted when it is sent. */
export interface RectificationNoticePayload {
  referralId: string;
  caseId: string;
  correctionId: string;
  [key: string]: string;
}

@Injectable()
export class ReferralRectificationNotices {
  constructor(
    private readonly reads: ReferralReads,
    private readonly gate: DisclosureGate,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * cases.corrected: one alert per local referral, or one queued signed event per referral to a partner deployment,
   * whose consent still covers a corrected category.
   */
  async fanOut(em: EntityManager, caseId: string, correctionId: string, fields: readonly string[]): Promise<RectificationFanOut> {
    const result: RectificationFanOut = { told: 0, withheld: 0, remote: 0 };
    const corrected = categoriesOfFields(fields);
    if (corrected.length === 0) return result;
    const referrals = await em.find(ReferralEntity, {
      select: { id: true, caseId: true, receivingOrganisationId: true, purpose: true, dataCategories: true, status: true },
      where: { caseId, status: In([...HOLDING_STATUSES]) },
      order: { createdAt: 'ASC' },
    });
    for (const referral of referrals) {
      const decided = await this.decide(em, caseId, referral, corrected);
      if (!decided) continue;
      const { carried, categories, answer } = decided;
      if (categories.length === 0) {
        result.withheld += 1;
        await this.audit.record(em, null, {
          action: 'referral.rectification_withheld',
          recordType: REFERRAL_RECORD,
          recordId: referral.id,
          details: { correctionId, categories: carried, blocks: answer.blocks, refused: answer.refused.map((r) => r.category) },
        });
        continue;
      }
      const local = await this.reads.isLocal(em, referral.receivingOrganisationId);
      if (local) {
        result.told += 1;
        await this.raise(em, referral, correctionId, categories);
      } else {
        result.remote += 1;
        await this.outbox.add(em, {
          type: REFERRAL_JOBS.rectificationNotice,
          payload: { referralId: referral.id, caseId, correctionId } satisfies RectificationNoticePayload,
        });
      }
      await this.audit.record(em, null, {
        action: 'referral.rectification_notice',
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        details: {
          correctionId,
          categories,
          delivery: local ? 'local' : 'remote',
          receivingOrganisationId: referral.receivingOrganisationId,
          consentIds: answer.consentIds,
        },
      });
    }
    return result;
  }

  /**
   * The corrected categories the referral carried (`carried`; null when none), and those among them the disclosure
   * gate permits now (`categories`): the referral's categories asked exactly as the packet is built, on the path
   * referral.rectify. Asked again by the sender just before a rectification leaves for a partner deployment.
   */
  async decide(
    em: EntityManager,
    caseId: string,
    referral: Pick<ReferralEntity, 'receivingOrganisationId' | 'purpose' | 'dataCategories'>,
    corrected: readonly DataCategory[],
  ): Promise<{ carried: DataCategory[]; categories: DataCategory[]; answer: GateAnswer } | null> {
    const carried = referral.dataCategories.filter((c) => corrected.includes(c));
    if (carried.length === 0) return null;
    const answer = await this.gate.decide(em, {
      path: 'referral.rectify',
      caseId,
      recipientOrganisationId: referral.receivingOrganisationId,
      purpose: referral.purpose,
      categories: referral.dataCategories,
    });
    const categories: DataCategory[] = answer.allowed ? answer.permitted.filter((c) => carried.includes(c)) : [];
    return { carried, categories, answer };
  }

  /** The partner deployment acknowledged a rectification (signed; the JWS is kept by federation); audited once. */
  async recordAcknowledged(
    em: EntityManager,
    referralId: string,
    partnerOrganisationId: string,
    correctionId: string,
    categories: readonly DataCategory[],
    jti: string,
  ): Promise<void> {
    await this.audit.record(em, null, {
      action: 'referral.rectification_notice_acknowledged',
      recordType: REFERRAL_RECORD,
      recordId: referralId,
      details: { correctionId, categories, partnerOrganisationId, jti },
    });
  }

  /**
   * On the receiving deployment: a verified rectification was merged into the stored packet (the categories it
   * held); the organisation that holds the referral is alerted, to read the case again.
   */
  async received(em: EntityManager, referral: ReferralEntity, correctionId: string, categories: readonly DataCategory[], jti: string) {
    if (categories.length > 0) await this.raise(em, referral, correctionId, categories);
    await this.audit.record(em, null, {
      action: 'referral.rectification_received',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      details: { correctionId, categories, jti, ...(categories.length === 0 ? { ignored: 'category_not_held' } : {}) },
    });
  }

  private async raise(
    em: EntityManager,
    referral: Pick<ReferralEntity, 'id' | 'receivingOrganisationId'>,
    correctionId: string,
    categories: readonly DataCategory[],
  ): Promise<void> {
    await this.alerts.raise(em, {
      organisationId: referral.receivingOrganisationId,
      type: 'case_corrected',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      details: { categories: categories.join(',') },
      dedupeKey: `case_corrected:${referral.id}:${correctionId}`,
    });
  }
}
