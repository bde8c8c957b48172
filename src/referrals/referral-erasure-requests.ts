/**
 * The person's identity was erased here (crypto-shredding): every organisation that received the case is asked to
 * erase what it holds. The referrals module's reaction to the cases module's cases.identity-erased event: every
 * referral of the case that has not ended is recalled with the reason `erasure_requested`, whoever sent it (a former
 * owner before an ownership transfer, or the current owner), so that one still submitted or approved is never
 * delivered; the referral by which the current owner received the case is left alone (the owner erased its own
 * copy). Those whose receiver holds or may hold the case are asked to erase (audited). A receiver on this
 * deployment holds no copy (it reads through the gate), so its erasure is immediate and acknowledged here; a partner
 * deployment gets a signed recall (referrals.recall-remote), destroys the packet it stored and acknowledges with a
 * signed answer, audited as referral.erasure_acknowledged. Ids and codes only.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ReferralReads } from './referral-reads';
import { ReferralStatus } from '../common/vocabulary';
import { RECEIVED_STATUSES } from './referral-restriction-notices';
import { ReferralTransitions } from './referral-transitions.service';
import { REFERRAL_RECORD, SYSTEM } from './referral-workflow.types';
import { ReferralEntity } from './referral.entity';

/** Not delivered yet: recalled so that they never are (nothing of the case reached the receiver). */
const NOT_YET_DELIVERED: readonly ReferralStatus[] = ['draft', 'submitted', 'approved'];

@Injectable()
export class ReferralErasureRequests {
  constructor(
    private readonly reads: ReferralReads,
    private readonly transitions: ReferralTransitions,
    private readonly audit: AuditService,
  ) {}

  /** Answers how many receivers were asked to erase. `ownerOrganisationId`: the case's owner when it was erased. */
  async fanOut(em: EntityManager, caseId: string, ownerOrganisationId: string | null = null): Promise<number> {
    const referrals = await em
      .createQueryBuilder(ReferralEntity, 'r')
      .setLock('pessimistic_write')
      .where('r.case_id = :caseId', { caseId })
      .andWhere('r.status IN (:...open)', { open: [...NOT_YET_DELIVERED, ...RECEIVED_STATUSES] })
      // Locked in id order, as a group of deliveries locks them (no two transactions wait on each other in opposite
      // orders); handled oldest first.
      .orderBy('r.id', 'ASC')
      .getMany()
      .then((rows) => rows.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()));
    let asked = 0;
    for (const referral of referrals) {
      // The owner's own way in (an accepted ownership transfer): the owner erased the identity itself.
      if (referral.receivingOrganisationId === ownerOrganisationId) continue;
      const local = await this.reads.isLocal(em, referral.receivingOrganisationId);
      const from = referral.status;
      await this.transitions.move(em, referral, 'recalled', SYSTEM, { details: { recallReason: 'erasure_requested' } });
      // Never delivered: nothing to ask, except a partner that may have got an approved referral's packet meanwhile
      // (the recall the move queued tells it; a partner that never got it answers that it holds nothing).
      if (from === 'draft' || from === 'submitted' || (from === 'approved' && local)) continue;
      asked++;
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
    return asked;
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
