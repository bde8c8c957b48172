import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { ReferralStatus } from '../common/vocabulary';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { ReferralEventEntity } from '../referrals/referral-event.entity';
import { ReferralEntity } from '../referrals/referral.entity';
import { assertTransition } from '../referrals/referral.state-machine';
import type { PartnerEvent } from './federation-referral-inbound.service';
import { IncomingReferralInput, ReferralFederationPort } from './referral-federation.port';

const HOUR_MS = 3600_000;

/**
 * The referral records federation writes: the incoming referral a partner's packet becomes, its recall, and partner
 * status events, each through the referral state machine with the partner organisation (or Lintas itself) as actor
 * and a history row. Milestone events need the referrals service (which owns milestone rows and their deadlines).
 */
@Injectable()
export class FederationReferralRecords extends ReferralFederationPort {
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
      status: 'received',
      sentAt: input.receivedAt,
      receivedAt: input.receivedAt,
      acceptanceDueAt: new Date(input.receivedAt.getTime() + input.acceptanceDeadlineHours * HOUR_MS),
    });
    const id = result.identifiers[0].id as string;
    await this.history(em, id, null, 'received', input.sendingOrganisationId, null, null, input.receivedAt);
    return id;
  }

  async recallIncoming(em: EntityManager, referralId: string): Promise<void> {
    const referral = await em.findOne(ReferralEntity, { where: { id: referralId }, lock: { mode: 'pessimistic_write' } });
    if (!referral || referral.status === 'recalled') return;
    // Rejected, cancelled and failed referrals have ended the receiver's access already: the data is destroyed all
    // the same, the status stays.
    if (!TERMINAL.includes(referral.status)) {
      const to = assertTransition(referral.status, 'recalled', this.context(referral, { kind: 'system' }, null));
      await this.move(em, referral, to, null, null, null, new Date());
    }
  }

  async outgoingToPartner(em: EntityManager, referralId: string, partnerId: string): Promise<{ receivingOrganisationId: string } | null> {
    const row = await em
      .createQueryBuilder(ReferralEntity, 'r')
      .innerJoin(OrganisationEntity, 'o', 'o.id = r.receiving_organisation_id')
      .where('r.id = :referralId AND o.partner_id = :partnerId AND r.case_id IS NOT NULL', { referralId, partnerId })
      .select(['r.receivingOrganisationId'])
      .getOne();
    return row ? { receivingOrganisationId: row.receivingOrganisationId } : null;
  }

  async applyPartnerEvent(em: EntityManager, referralId: string, partnerOrganisationId: string, event: PartnerEvent): Promise<void> {
    const referral = await em.findOne(ReferralEntity, { where: { id: referralId }, lock: { mode: 'pessimistic_write' } });
    if (!referral) throw new DomainError('FEDERATION_REFERRAL_NOT_FOUND', 'No referral exchanged with this partner has this id');
    if (event.kind === 'milestone') {
      throw new DomainError('REFERRAL_MILESTONE_NOT_APPLICABLE', 'Milestones from a partner deployment are not applied yet', { milestone: event.milestone });
    }
    const to = assertTransition(referral.status, event.status, this.context(referral, { kind: 'partner', organisationId: partnerOrganisationId }, event.reason));
    await this.move(em, referral, to, partnerOrganisationId, event.reason, event.note, event.occurredAt);
  }

  private context(referral: ReferralEntity, actor: Parameters<typeof assertTransition>[2]['actor'], reason: string | null) {
    return {
      actor,
      sendingOrganisationId: referral.sendingOrganisationId,
      receivingOrganisationId: referral.receivingOrganisationId,
      crossBorder: referral.crossBorder,
      responsibleUserId: referral.responsibleUserId ?? '',
      reason,
    };
  }

  private async move(
    em: EntityManager,
    referral: ReferralEntity,
    to: ReferralStatus,
    partnerOrganisationId: string | null,
    reason: string | null,
    note: string | null,
    occurredAt: Date,
  ): Promise<void> {
    const stamp = to === 'accepted' ? { acceptedAt: occurredAt } : {};
    await em.update(ReferralEntity, { id: referral.id, version: referral.version }, { status: to, version: referral.version + 1, ...stamp });
    await this.history(em, referral.id, referral.status, to, partnerOrganisationId, reason, note, occurredAt);
  }

  private async history(
    em: EntityManager,
    referralId: string,
    from: ReferralStatus | null,
    to: ReferralStatus,
    partnerOrganisationId: string | null,
    reason: string | null,
    note: string | null,
    occurredAt: Date,
  ): Promise<void> {
    await em.insert(ReferralEventEntity, {
      referralId,
      kind: 'transition',
      fromStatus: from,
      toStatus: to,
      actorKind: partnerOrganisationId ? 'partner' : 'system',
      actorUserId: null,
      actorOrganisationId: partnerOrganisationId,
      reason,
      note,
      occurredAt,
    });
  }
}

const TERMINAL: readonly ReferralStatus[] = ['rejected', 'cancelled', 'failed'];
