/**
 * The person restricted the use of their case (or lifted the restriction): every organisation that received it through
 * a referral is told. This is the referrals module's reaction to the cases module's cases.restriction-changed event:
 * a local recipient gets a case_restricted alert, a recipient on a partner deployment a signed notice (the
 * referrals.restriction-notice job; ReferralRemoteDelivery sends it), and the receiving side of such a notice raises
 * the same alert for its organisation. Ids, codes and a flag only: the person's reason never leaves the owner.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { RestrictionChange } from '../cases/jobs/case.jobs';
import { ReferralStatus } from '../common/vocabulary';
import { OutboxService } from '../outbox/outbox.service';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { ReferralReads } from './referral-reads';
import { REFERRAL_RECORD } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

/** The statuses in which the receiver holds (or held until it ended normally) what the referral carried. */
export const RECEIVED_STATUSES: readonly ReferralStatus[] = ['sent', 'received', 'accepted', 'in_progress', 'completed'];

export interface RestrictionNoticePayload {
  referralId: string;
  restrictionId: string;
  change: RestrictionChange;
  occurredAt: string;
  /** The change's per-case sequence (CaseRestrictionChangedPayload.sequence); empty for a notice queued before it existed. */
  sequence: string;
  [key: string]: string;
}

@Injectable()
export class ReferralRestrictionNotices {
  constructor(
    private readonly reads: ReferralReads,
    private readonly alerts: AlertsService,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
  ) {}

  /** cases.restriction-changed: one alert or one queued notice per referral whose receiver got the case. */
  async fanOut(
    em: EntityManager,
    caseId: string,
    restrictionId: string,
    change: RestrictionChange,
    sequence: string,
    at = new Date(),
  ): Promise<number> {
    const referrals = await em.find(ReferralEntity, {
      select: { id: true, receivingOrganisationId: true, status: true },
      where: { caseId, status: In([...RECEIVED_STATUSES]) },
      order: { createdAt: 'ASC' },
    });
    for (const referral of referrals) {
      const local = await this.reads.isLocal(em, referral.receivingOrganisationId);
      if (local) {
        await this.raise(em, referral, restrictionId, change);
      } else {
        await this.outbox.add(em, {
          type: REFERRAL_JOBS.restrictionNotice,
          payload: {
            referralId: referral.id,
            restrictionId,
            change,
            occurredAt: at.toISOString(),
            sequence,
          } satisfies RestrictionNoticePayload,
        });
      }
      await this.audit.record(em, null, {
        action: 'referral.restriction_notice',
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        details: { change, restrictionId, delivery: local ? 'local' : 'remote', receivingOrganisationId: referral.receivingOrganisationId },
      });
    }
    return referrals.length;
  }

  /** The partner deployment acknowledged a notice (signed; the JWS is kept by federation); audited once per notice. */
  async recordAcknowledged(em: EntityManager, referralId: string, partnerOrganisationId: string, change: RestrictionChange, jti: string) {
    await this.audit.record(em, null, {
      action: 'referral.restriction_notice_acknowledged',
      recordType: REFERRAL_RECORD,
      recordId: referralId,
      details: { change, partnerOrganisationId, jti },
    });
  }

  /** On the receiving deployment: a verified notice about an incoming referral alerts the organisation that holds it. */
  async received(em: EntityManager, referral: ReferralEntity, restricted: boolean, jti: string): Promise<void> {
    await this.raise(em, referral, jti, restricted ? 'restricted' : 'lifted');
    await this.audit.record(em, null, {
      action: 'referral.restriction_notice_received',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      details: { restricted, jti },
    });
  }

  private async raise(
    em: EntityManager,
    referral: Pick<ReferralEntity, 'id' | 'receivingOrganisationId'>,
    restrictionId: string,
    change: RestrictionChange,
  ): Promise<void> {
    await this.alerts.raise(em, {
      organisationId: referral.receivingOrganisationId,
      type: 'case_restricted',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      details: { change },
      dedupeKey: `case_restricted:${referral.id}:${restrictionId}:${change}`,
      ...(change === 'lifted' ? { severity: 'info' as const } : {}),
    });
  }
}
