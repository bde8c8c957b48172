/**
 * The person's right to rectification (GDPR Art. 19): a correction of their case is passed on to every organisation
 * still holding it through a referral, for the categories its consent still covers. This is the referrals module's
 * reaction to the cases module's cases.corrected event. The recipients are the referrals of the case the receiver
 * holds now (received, accepted, in progress: not recalled, not ended); the changed fields are mapped to categories
 * with the packet's own mapping (referral-packet.ts), and the disclosure gate answers, per referral, which of the
 * referral's categories its consent still permits (path referral.rectify, which a restriction does not stop).
 * A category the gate refuses is not sent; a recipient left with none gets nothing. A local recipient gets a
 * case_corrected alert and reads the case again through the gate (GET /referrals/{id}/case). Ids, field names and
 * category codes only: no value of the person is carried, logged or audited.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { DataCategory, ReferralStatus } from '../common/vocabulary';
import { DisclosureGate } from '../disclosure/disclosure-gate.service';
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
  /** Referrals to a partner deployment: not sent yet (the signed rectification event is not built). */
  remote: number;
}

@Injectable()
export class ReferralRectificationNotices {
  constructor(
    private readonly reads: ReferralReads,
    private readonly gate: DisclosureGate,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
  ) {}

  /** cases.corrected: one alert per local referral whose consent still covers a corrected category. */
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
      const carried = referral.dataCategories.filter((c) => corrected.includes(c));
      if (carried.length === 0) continue;
      if (!(await this.reads.isLocal(em, referral.receivingOrganisationId))) {
        result.remote += 1;
        continue;
      }
      // The referral's categories, asked exactly as the packet is built; only the corrected ones among those permitted go.
      const answer = await this.gate.decide(em, {
        path: 'referral.rectify',
        caseId,
        recipientOrganisationId: referral.receivingOrganisationId,
        purpose: referral.purpose,
        categories: referral.dataCategories,
      });
      const categories: DataCategory[] = answer.allowed ? answer.permitted.filter((c) => carried.includes(c)) : [];
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
      result.told += 1;
      await this.alerts.raise(em, {
        organisationId: referral.receivingOrganisationId,
        type: 'case_corrected',
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        details: { categories: categories.join(',') },
        dedupeKey: `case_corrected:${referral.id}:${correctionId}`,
      });
      await this.audit.record(em, null, {
        action: 'referral.rectification_notice',
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        details: {
          correctionId,
          categories,
          delivery: 'local',
          receivingOrganisationId: referral.receivingOrganisationId,
          consentIds: answer.consentIds,
        },
      });
    }
    return result;
  }
}
