/**
 * Recalls: a withdrawn consent recalls every referral whose packet relied on it (the referrals module's reaction to
 * the consent module's consent.withdrawn event), and a partner's acknowledgement that it destroyed a packet.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralTransitions } from './referral-transitions.service';
import { REFERRAL_RECORD, SYSTEM } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';
import { TERMINAL_STATUSES } from './referral.state-machine';

@Injectable()
export class ReferralRecall {
  constructor(
    private readonly transitions: ReferralTransitions,
    private readonly audit: AuditService,
  ) {}

  /**
   * consent.withdrawn: every referral of the case whose packet relied on that consent and that has not ended moves to
   * recalled. A local receiver's next GET /case then answers REFERRAL_RECALLED; a remote one is told by the worker.
   */
  async recallForConsent(em: EntityManager, consentId: string, caseId: string): Promise<string[]> {
    const candidates = await em
      .createQueryBuilder(ReferralEntity, 'r')
      .setLock('pessimistic_write')
      .where('r.case_id = :caseId', { caseId })
      .andWhere(':consentId = ANY(r.consent_ids)', { consentId })
      .andWhere('r.status NOT IN (:...ended)', { ended: TERMINAL_STATUSES })
      // Locked in id order, as a group of deliveries locks them (no two transactions wait on each other in opposite
      // orders); handled oldest first.
      .orderBy('r.id', 'ASC')
      .getMany()
      .then((rows) => rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()));
    const recalled: string[] = [];
    for (const referral of candidates) {
      await this.transitions.move(em, referral, 'recalled', SYSTEM, { details: { consentId } });
      recalled.push(referral.id);
    }
    return recalled;
  }

  /** The partner deployment confirmed it destroyed the packet of a recalled referral: a history row and an audit event. */
  async recordRecallAcknowledged(
    em: EntityManager,
    referral: ReferralEntity,
    partnerOrganisationId: string,
    at = new Date(),
  ): Promise<void> {
    await em.insert(ReferralEventEntity, {
      referralId: referral.id,
      kind: 'transition',
      fromStatus: referral.status,
      toStatus: referral.status,
      actorKind: 'partner',
      actorOrganisationId: partnerOrganisationId,
      details: { recallAcknowledged: true },
      occurredAt: at,
    });
    await this.audit.record(em, null, {
      action: 'referral.recall_acknowledged',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      details: { partnerOrganisationId },
    });
  }
}
