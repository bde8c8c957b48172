import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ReferralStatus } from '../common/vocabulary';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { ReferralEventEntity } from '../referrals/referral-event.entity';
import { ReferralWorkflow, SYSTEM } from '../referrals/referral-workflow.service';
import { ReferralEntity } from '../referrals/referral.entity';
import { ReferralsService } from '../referrals/referrals.service';
import { PartnerReferralEvent } from '../referrals/remote-delivery.port';
import type { PartnerEvent } from './federation-referral-inbound.service';
import { IncomingReferralInput, ReferralFederationPort } from './referral-federation.port';

const HOUR_MS = 3600_000;

/** Statuses in which the receiver's access has already ended: a recall destroys the data, the status stays. */
const ENDED: readonly ReferralStatus[] = ['rejected', 'cancelled', 'failed', 'recalled'];

/**
 * The referral records behind inbound packets, through the referrals module's own unit of work (state machine,
 * history, audit, alerts, deadlines), in the transaction that also records the packet id.
 */
@Injectable()
export class FederationReferralRecords extends ReferralFederationPort {
  constructor(
    private readonly workflow: ReferralWorkflow,
    private readonly referrals: ReferralsService,
  ) {
    super();
  }

  /**
   * The partner sent it (`sent`, by the partner organisation), this deployment has it (`received`, by Lintas): the
   * same two steps a referral takes on the sending side, so alerts and the acceptance deadline follow as usual.
   */
  async createIncoming(em: EntityManager, input: IncomingReferralInput): Promise<string> {
    const result = await em.insert(ReferralEntity, {
      caseId: null,
      responsibleUserId: null,
      sendingOrganisationId: input.sendingOrganisationId,
      receivingOrganisationId: input.receivingOrganisationId,
      purpose: input.purpose,
      dataCategories: input.dataCategories,
      reason: input.reason,
      crossBorder: input.crossBorder,
      status: 'sent',
      version: 1,
      sentAt: input.receivedAt,
      acceptanceDueAt: new Date(input.receivedAt.getTime() + input.acceptanceDeadlineHours * HOUR_MS),
    });
    const id = result.identifiers[0].id as string;
    await em.insert(ReferralEventEntity, {
      referralId: id,
      kind: 'transition',
      fromStatus: null,
      toStatus: 'sent',
      actorKind: 'partner',
      actorOrganisationId: input.sendingOrganisationId,
      details: { delivery: 'partner' },
      occurredAt: input.receivedAt,
    });
    const referral = await em.findOneOrFail(ReferralEntity, { where: { id } });
    await this.workflow.move(em, referral, 'received', SYSTEM, { occurredAt: input.receivedAt, details: { delivery: 'partner' } });
    return id;
  }

  async recallIncoming(em: EntityManager, referralId: string): Promise<void> {
    const referral = await this.workflow.lock(em, referralId);
    if (!referral || ENDED.includes(referral.status)) return;
    await this.workflow.move(em, referral, 'recalled', SYSTEM, { details: { recalledBy: 'partner' } });
  }

  async outgoingToPartner(em: EntityManager, referralId: string, partnerId: string): Promise<{ receivingOrganisationId: string } | null> {
    const row = await em
      .createQueryBuilder(ReferralEntity, 'r')
      .innerJoin(OrganisationEntity, 'o', 'o.id = r.receiving_organisation_id')
      .where('r.id = :referralId AND o.partner_id = :partnerId AND r.case_id IS NOT NULL', { referralId, partnerId })
      .select(['r.id', 'r.receivingOrganisationId'])
      .getOne();
    return row ? { receivingOrganisationId: row.receivingOrganisationId } : null;
  }

  async applyPartnerEvent(em: EntityManager, referralId: string, partnerOrganisationId: string, event: PartnerEvent): Promise<void> {
    await this.referrals.applyPartnerEvent(referralId, partnerOrganisationId, toReferralEvent(event), em);
  }
}

function toReferralEvent(event: PartnerEvent): PartnerReferralEvent {
  const { occurredAt } = event;
  if (event.kind === 'milestone') {
    return { type: 'milestone', milestone: event.milestone, skipped: event.skipped, skipReason: event.reason, note: event.note, occurredAt };
  }
  switch (event.status) {
    case 'rejected':
    case 'cancelled':
      // The state machine refuses an empty reason (REFERRAL_REASON_REQUIRED), as for a user of this deployment.
      return { type: event.status, reason: event.reason ?? '', occurredAt };
    default:
      return { type: event.status, note: event.note, occurredAt };
  }
}
