/**
 * The lowest layer of the referral workflow: loading referrals (locked or not), their milestones, and the facts about
 * the organisations and the case that moves depend on. Reads only; every other workflow file builds on these.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { caseOwnedBy, objectsToHomeStateNotification } from '../cases/case-facts';
import { notFound } from '../common/errors/domain-error';
import { REFERRAL_MILESTONES, ReferralMilestone, ReferralStatus } from '../common/vocabulary';
import { findOrganisation } from '../organisations/organisation-reads';
import { hydrate, runSql } from '../database/sql';
import { organisationPartnerFacts } from '../federation/partner-facts';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import {
  historyFlag,
  milestonesOf,
  referral,
  referralForUpdate,
  referralsWithReceiver,
  ReferralWithReceiverRow,
  referralWithReceiverForUpdate,
} from './referral.queries';
import { ReferralEntity } from './referral.entity';
import type { ReceiverFacts } from './referral-workflow.types';

/** A referral row read with its receiver, as the workflow uses it. */
const withReceiver = (em: EntityManager, row: ReferralWithReceiverRow): { referral: ReferralEntity; receiver: ReceiverFacts } => ({
  referral: hydrate(em.connection, ReferralEntity, 'r', row),
  receiver: {
    node: row.receiver_node,
    country: row.receiver_country,
    partnerAcceptanceHours: row.receiver_hours ?? null,
    partnerStatus: row.receiver_partner_status ?? null,
  },
});

/** Organisations whose node is kept in memory at most (a deployment has tens; partners add some hundreds). */
const NODE_CACHE_LIMIT = 10_000;

@Injectable()
export class ReferralReads {
  private readonly nodes = new Map<string, 'local' | 'remote'>();

  /** The referral, row-locked, if the organisation is its sender or receiver; otherwise the same 404 as a missing id. */
  async lockForOrganisation(em: EntityManager, organisationId: string, id: string): Promise<ReferralEntity> {
    const referral = await this.lock(em, id);
    if (!referral || (referral.sendingOrganisationId !== organisationId && referral.receivingOrganisationId !== organisationId)) {
      throw notFound('Referral');
    }
    return referral;
  }

  /** The referral, row-locked; null if there is none. Every state change starts here. */
  lock(em: EntityManager, id: string): Promise<ReferralEntity | null> {
    return this.select(em, id, true);
  }

  /** The referral as it is now (in the caller's transaction), without a lock. */
  read(em: EntityManager, id: string): Promise<ReferralEntity | null> {
    return this.select(em, id, false);
  }

  /** The referral, row-locked (only its own row), with what a delivery needs of its receiving organisation, in one read. */
  async lockWithReceiver(em: EntityManager, id: string): Promise<{ referral: ReferralEntity; receiver: ReceiverFacts } | null> {
    const { rows } = await runSql(em, referralWithReceiverForUpdate, [id]);
    return rows[0] ? withReceiver(em, rows[0]) : null;
  }

  /**
   * Several referrals with their receivers, in id order. With `lock`, only those no other transaction holds, locked
   * (only their own rows); the rest are left out, like missing ids.
   */
  async manyWithReceiver(
    em: EntityManager,
    ids: string[],
    lock: boolean,
  ): Promise<Array<{ referral: ReferralEntity; receiver: ReceiverFacts }>> {
    if (ids.length === 0) return [];
    const { rows } = await runSql(em, referralsWithReceiver(lock), [ids]);
    return rows.map((row) => withReceiver(em, row));
  }

  /** Whether the history row of the move to `status` recorded `flag` (codes only; e.g. viaBreakGlass at the draft). */
  async historyFlag(em: EntityManager, referralId: string, status: ReferralStatus, flag: 'viaBreakGlass' | 'dangerFlag'): Promise<boolean> {
    const { rows } = await runSql(em, historyFlag, [referralId, status, flag]);
    return rows[0]?.flagged === true;
  }

  /** The receiving organisation's node, country and (remote) partner acceptance deadline, in one read; null if unknown. */
  async receiverOf(em: EntityManager, organisationId: string): Promise<ReceiverFacts | null> {
    const facts = await organisationPartnerFacts(em, organisationId);
    return facts
      ? {
          node: facts.node,
          country: facts.country,
          partnerAcceptanceHours: facts.partnerAcceptanceHours,
          partnerStatus: facts.partnerStatus,
        }
      : null;
  }

  /**
   * Whether the organisation is on this deployment. An organisation's node is set when it is created and never changes,
   * so a known answer is kept (a local delivery asks four times: once per organisation for each of two moves).
   */
  async isLocal(em: EntityManager, organisationId: string): Promise<boolean> {
    const known = this.nodes.get(organisationId);
    if (known !== undefined) return known === 'local';
    const org = await findOrganisation(em, { id: organisationId });
    if (!org) return false;
    if (this.nodes.size >= NODE_CACHE_LIMIT) this.nodes.clear();
    this.nodes.set(organisationId, org.node);
    return org.node === 'local';
  }

  /** A remote organisation's partner deployment, or null for a local (or unknown) one. */
  async partnerOf(
    em: EntityManager,
    organisationId: string,
  ): Promise<{ organisationId: string; partnerId: string; remoteOrganisationId: string } | null> {
    const org = await findOrganisation(em, { id: organisationId, node: 'remote' });
    if (!org?.partnerId || !org.remoteOrganisationId) return null;
    return { organisationId: org.id, partnerId: org.partnerId, remoteOrganisationId: org.remoteOrganisationId };
  }

  /** Whether the person objects to notification of the home state (false for an incoming referral: no case here). */
  async objectsToHomeStateNotification(em: EntityManager, caseId: string | null): Promise<boolean> {
    if (!caseId) return false;
    return objectsToHomeStateNotification(em, caseId);
  }

  async ownsCase(em: EntityManager, organisationId: string, caseId: string | null): Promise<boolean> {
    if (!caseId) return false;
    return caseOwnedBy(em, caseId, organisationId);
  }

  /** The milestones of these referrals, each list in the order of the steps. */
  async milestonesOf(em: EntityManager, referralIds: string[]): Promise<Map<string, ReferralMilestoneEntity[]>> {
    const out = new Map<string, ReferralMilestoneEntity[]>();
    if (referralIds.length === 0) return out;
    const ds = em.connection;
    const rows = (await runSql(em, milestonesOf, [referralIds])).rows.map((row) => hydrate(ds, ReferralMilestoneEntity, 'm', row));
    const order = (m: ReferralMilestone) => REFERRAL_MILESTONES.indexOf(m);
    rows.sort((a, b) => order(a.milestone) - order(b.milestone));
    for (const r of rows) out.set(r.referralId, [...(out.get(r.referralId) ?? []), r]);
    return out;
  }

  private async select(em: EntityManager, id: string, lock: boolean): Promise<ReferralEntity | null> {
    const { rows } = await runSql(em, lock ? referralForUpdate : referral, [id]);
    return rows[0] ? hydrate(em.connection, ReferralEntity, 'r', rows[0]) : null;
  }
}
