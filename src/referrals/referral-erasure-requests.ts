/**
 * The person's identity was erased here (crypto-shredding): every organisation that received the case is asked to
 * erase what it holds. The referrals module's reaction to the cases module's cases.identity-erased event: each
 * referral whose receiver holds the case is recalled with the reason `erasure_requested`. A receiver on this
 * deployment holds no copy (it reads through the gate), so its erasure is immediate and acknowledged here; a partner
 * deployment gets a signed recall (referrals.recall-remote), destroys the packet it stored and acknowledges with a
 * signed answer, audited as referral.erasure_acknowledged. Ids and codes only.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ReferralReads } from './referral-reads';
import { RECEIVED_STATUSES } from './referral-restriction-notices';
import { ReferralTransitions } from './referral-transitions.service';
import { REFERRAL_RECORD, SYSTEM } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

@Injectable()
export class ReferralErasureRequests {
  constructor(
    private readonly reads: ReferralReads,
    private readonly transitions: ReferralTransitions,
    private readonly audit: AuditService,
  ) {}

  async fanOut(em: EntityManager, caseId: string): Promise<number> {
    const referrals = await em
      .createQueryBuilder(ReferralEntity, 'r')
      .setLock('pessimistic_write')
      .where('r.case_id = :caseId', { caseId })
      .andWhere('r.status IN (:...held)', { held: RECEIVED_STATUSES })
      .orderBy('r.created_at', 'ASC')
      .getMany();
    for (const referral of referrals) {
      const local = await this.reads.isLocal(em, referral.receivingOrganisationId);
      await this.transitions.move(em, referral, 'recalled', SYSTEM, { details: { recallReason: 'erasure_requested' } });
      const details = { receivingOrganisationId: referral.receivingOrganisationId, delivery: local ? 'local' : 'remote' };
      await this.audit.record(em, null, {
        action: 'referral.erasure_request',
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        details,
      });
      if (local) {
        // Nothing was copied: the receiver read the case through the gate, and the recall ends that.
        await this.audit.record(em, null, {
          action: 'referral.erasure_acknowledged',
          recordType: REFERRAL_RECORD,
          recordId: referral.id,
          details: { ...details, by: 'this_deployment' },
        });
      }
    }
    return referrals.length;
  }

  /** A partner deployment's signed acknowledgement that it destroyed what it held. */
  async recordAcknowledged(em: EntityManager, referralId: string, partnerOrganisationId: string, erasedAt: Date): Promise<void> {
    await this.audit.record(em, null, {
      action: 'referral.erasure_acknowledged',
      recordType: REFERRAL_RECORD,
      recordId: referralId,
      details: { partnerOrganisationId, delivery: 'remote', erasedAt: erasedAt.toISOString() },
    });
  }
}
