/**
 * The referral unit of work shared by the API and the worker: every change of status (state machine check, history
 * row, audit event, alerts, outbox rows) in the caller's transaction, milestones and their deadlines, delivery
 * outcomes and recalls. No HTTP and no decryption here: ReferralsService (API) adds those.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService, SystemResolutionCode } from '../alerts/alerts.service';
import { AuditActor, AuditService } from '../audit/audit.service';
import { CaseEntity } from '../cases/case.entity';
import { Clock } from '../common/clock';
import { DomainError, notFound } from '../common/errors/domain-error';
import { entityColumns, plainQuery, toEntity } from '../database/plain-sql';
import {
  DataCategory,
  DeliveryFailureReason,
  MILESTONE_RULES,
  REFERRAL_MILESTONES,
  ReferralMilestone,
  ReferralStatus,
} from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { DisclosureGate, GateAnswer } from '../disclosure/disclosure-gate.service';
import { GatePartnerStatus } from '../disclosure/disclosure-rules';
import { OrganisationEntity } from '../organisations/organisation.entity';
import { OutboxService } from '../outbox/outbox.service';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { ReferralEventEntity } from './referral-event.entity';
import { ReferralMilestoneEntity } from './referral-milestone.entity';
import {
  acceptanceDueAt,
  assertMilestoneRecordable,
  DeadlineStep,
  dueDates,
  overdueAlertTarget,
  overdueSchedule,
} from './referral-milestones';
import { localCaseId, ReferralEntity } from './referral.entity';
import { assertTransition, TERMINAL_STATUSES, TransitionActor } from './referral.state-machine';

/** Who is acting, for the state machine and for the audit log (null: Lintas itself or a partner deployment). */
export interface Mover {
  actor: TransitionActor;
  audit: AuditActor | null;
}

export const SYSTEM: Mover = { actor: { kind: 'system' }, audit: null };

export interface MoveOptions {
  reason?: string | null;
  note?: string | null;
  /** Codes and ids only, for the history row and the audit event. */
  details?: Record<string, string | number | boolean | null | string[]>;
  occurredAt?: Date;
  /** What the caller already read about the receiving organisation in this transaction (saves reading it again). */
  receiver?: ReceiverFacts;
  /** A move to sent: the consents the packet relied on at delivery, kept on the referral with approval's. */
  deliveryConsentIds?: string[];
}

/** The receiving organisation as a move needs it: where it lives, its country, the partner's acceptance deadline. */
export interface ReceiverFacts {
  node: OrganisationEntity['node'];
  country: string;
  /** The acceptance deadline agreed with a remote receiver's partner deployment, if any. */
  partnerAcceptanceHours: number | null;
  /** A remote receiver's partner deployment status (null for a local one). */
  partnerStatus: GatePartnerStatus | null;
}

export const REFERRAL_RECORD = 'referral';
/** The moves one side of a cross-deployment referral tells the other about (see src/federation/referral-packets.ts). */
const PARTNER_VISIBLE_MOVES: readonly ReferralStatus[] = ['accepted', 'rejected', 'in_progress', 'completed', 'cancelled'];
/** Before delivery, the partner deployment does not know the referral. */
const HIDDEN_FROM_PARTNER: readonly ReferralStatus[] = ['draft', 'submitted', 'approved'];
export const MILESTONE_RECORD = 'referral_milestone';
/** Shown (and stored) when the person objects to the home state being told. */
export const OBJECTION_SKIP_REASON = 'The person objects to notification of the home state (ACTIP Art. 14(3))';

@Injectable()
export class ReferralWorkflow {
  constructor(
    private readonly config: AppConfig,
    private readonly gate: DisclosureGate,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly outbox: OutboxService,
    private readonly clock: Clock,
  ) {}

  // ---------------------------------------------------------------- loading

  /** The referral, row-locked, if the organisation is its sender or receiver; otherwise the same 404 as a missing id. */
  async lockForOrganisation(em: EntityManager, organisationId: string, id: string): Promise<ReferralEntity> {
    const referral = await this.lock(em, id);
    if (!referral || (referral.sendingOrganisationId !== organisationId && referral.receivingOrganisationId !== organisationId)) {
      throw notFound('Referral');
    }
    return referral;
  }

  /** The referral, row-locked; null if there is none. Every state change starts here (plain SQL, see plain-sql.ts). */
  async lock(em: EntityManager, id: string): Promise<ReferralEntity | null> {
    return this.read(em, id, 'FOR UPDATE');
  }

  /** The referral as it is now (in the caller's transaction), without a lock. */
  async read(em: EntityManager, id: string, lock: '' | 'FOR UPDATE' = ''): Promise<ReferralEntity | null> {
    const meta = em.connection.getMetadata(ReferralEntity);
    const { rows } = await plainQuery(em, `SELECT ${entityColumns(meta, 'r')} FROM referrals r WHERE r.id = $1 ${lock}`, [id]);
    return rows[0] ? toEntity<ReferralEntity>(meta, rows[0]) : null;
  }

  /**
   * The referral, row-locked (only its own row), with what a delivery needs of its receiving organisation, in one read.
   * Plain SQL: it runs once per delivery, and the ORM's join building and mapping cost more than the query.
   */
  async lockWithReceiver(em: EntityManager, id: string): Promise<{ referral: ReferralEntity; receiver: ReceiverFacts } | null> {
    const meta = em.connection.getMetadata(ReferralEntity);
    const { rows } = await plainQuery<
      Record<string, unknown> & { receiver_node: ReceiverFacts['node']; receiver_country: string; receiver_hours: number | null; receiver_partner_status: GatePartnerStatus | null }
    >(
      em,
      `SELECT ${entityColumns(meta, 'r')}, o.node AS receiver_node, o.country AS receiver_country, p.acceptance_deadline_hours AS receiver_hours,
              p.status AS receiver_partner_status
         FROM referrals r JOIN organisations o ON o.id = r.receiving_organisation_id LEFT JOIN federation_partners p ON p.id = o.partner_id
        WHERE r.id = $1 FOR UPDATE OF r`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      referral: toEntity<ReferralEntity>(meta, row),
      receiver: {
        node: row.receiver_node,
        country: row.receiver_country,
        partnerAcceptanceHours: row.receiver_hours ?? null,
        partnerStatus: row.receiver_partner_status ?? null,
      },
    };
  }

  /** Whether the history row of the move to `status` recorded `flag` (codes only; e.g. viaBreakGlass at the draft). */
  async historyFlag(em: EntityManager, referralId: string, status: ReferralStatus, flag: 'viaBreakGlass' | 'dangerFlag'): Promise<boolean> {
    const { rows } = await plainQuery<{ flagged: boolean }>(
      em,
      `SELECT bool_or(COALESCE((details->>$3)::boolean, false)) AS flagged FROM referral_events
        WHERE referral_id = $1 AND kind = 'transition' AND to_status = $2::referral_status`,
      [referralId, status, flag],
    );
    return rows[0]?.flagged === true;
  }

  // ---------------------------------------------------------------- the gate at delivery

  /**
   * Asks the disclosure gate whether the packet may leave now (consent for every category, the partner deployment
   * active): the consents relied on when it may, the failure reason to record when it may not.
   */
  async deliveryDecision(em: EntityManager, referral: ReferralEntity, receiver?: ReceiverFacts, at = new Date()): Promise<{ consentIds: string[]; permitted: DataCategory[] } | { failure: DeliveryFailureReason }> {
    const gate = await this.gate.decide(em, {
      path: 'referral.deliver',
      caseId: localCaseId(referral),
      recipientOrganisationId: referral.receivingOrganisationId,
      purpose: referral.purpose,
      categories: referral.dataCategories,
      at,
      ...(receiver
        ? { recipient: { organisationId: referral.receivingOrganisationId, country: receiver.country, node: receiver.node, partnerStatus: receiver.partnerStatus } }
        : {}),
    });
    if (gate.allowed) return { consentIds: gate.consentIds, permitted: gate.permitted };
    // Nothing leaves for a suspended or retired partner: a refusal, at once, not a reason to retry.
    return { failure: gate.blocks.includes('partner_inactive') ? 'partner_refused' : 'consent_not_covering' };
  }

  // ---------------------------------------------------------------- transitions

  /**
   * One move of the state machine, in the caller's transaction (the referral row is locked by the caller): the status
   * and version, the history row, the audit event and what the new status implies (alerts, jobs, milestones).
   */
  async move(em: EntityManager, referral: ReferralEntity, to: ReferralStatus, mover: Mover, opts: MoveOptions = {}): Promise<ReferralEntity> {
    return this.moveThrough(em, referral, [{ to, opts }], mover);
  }

  /**
   * Moves made one after the other by the same mover, exactly as that many calls of move() would make them (each
   * checked by the state machine from the status the previous one left, each with its history row, audit event and
   * consequences), written with one UPDATE of the referral and one INSERT each for the history rows and the audit
   * events. A local delivery is approved → sent → received in one go.
   */
  private async moveThrough(em: EntityManager, referral: ReferralEntity, steps: Array<{ to: ReferralStatus; opts: MoveOptions }>, mover: Mover): Promise<ReferralEntity> {
    const planned: Array<{ from: ReferralStatus; to: ReferralStatus; at: Date; opts: MoveOptions; details: Record<string, unknown> }> = [];
    const changes: Partial<ReferralEntity> = {};
    const state = { status: referral.status, version: referral.version, consentIds: referral.consentIds };
    let previousAt = -Infinity;
    const reviews: GateAnswer[] = [];
    for (const { to, opts } of steps) {
      const from = state.status;
      assertTransition(from, to, {
        actor: mover.actor,
        sendingOrganisationId: referral.sendingOrganisationId,
        receivingOrganisationId: referral.receivingOrganisationId,
        crossBorder: referral.crossBorder,
        // Null on an incoming referral from a partner: nothing is approved here, so no caseworker can be responsible.
        responsibleUserId: referral.responsibleUserId ?? '',
        reason: opts.reason ?? null,
      });
      // The history is read in occurred_at order: moves made in one go get distinct instants, in their order.
      const at = opts.occurredAt ?? new Date(Math.max(Date.now(), previousAt + 1));
      previousAt = at.getTime();
      const step: Partial<ReferralEntity> = { status: to, version: state.version + 1 };
      const details: Record<string, unknown> = { ...(opts.details ?? {}) };

      switch (to) {
        case 'approved': {
          // The gate again: consent may have been withdrawn since the draft, the case flagged or closed; an ownership
          // transfer or a disclosure opened under break-glass is approved by a second person. The consents relied on are kept.
          const approver = mover.actor.kind === 'user' ? mover.actor : null;
          const gate = await this.gate.assertAllowed(em, {
            path: 'referral.approve',
            caseId: localCaseId(referral),
            recipientOrganisationId: referral.receivingOrganisationId,
            purpose: referral.purpose,
            categories: referral.transferOwnership ? { allHeldAnd: referral.dataCategories } : referral.dataCategories,
            actor: approver,
            approval: {
              openedByUserId: referral.responsibleUserId,
              transfersOwnership: referral.transferOwnership,
              openedViaBreakGlass: () => this.historyFlag(em, referral.id, 'draft', 'viaBreakGlass'),
            },
            lockCase: true,
          });
          step.consentIds = gate.consentIds;
          details.consentIds = step.consentIds;
          if (gate.viaBreakGlass) details.viaBreakGlass = true;
          // Recorded so that acceptance can tell a case flagged after this approval (the sender then decides again).
          if (gate.caseFacts?.dangerFlag) details.dangerFlag = true;
          reviews.push(gate);
          break;
        }
        case 'sent': {
          const receiver = opts.receiver ?? (await this.receiverOf(em, referral.receivingOrganisationId));
          step.sentAt = at;
          step.acceptanceDueAt = acceptanceDueAt(at, this.config.referrals, receiver?.partnerAcceptanceHours ?? null);
          // Approval's consents and delivery's: withdrawing any of them recalls the referral.
          if (opts.deliveryConsentIds) step.consentIds = [...new Set([...state.consentIds, ...opts.deliveryConsentIds])].sort();
          break;
        }
        case 'received':
          step.receivedAt = at;
          break;
        case 'accepted':
          step.acceptedAt = at;
          break;
        case 'failed':
          step.failureReason = (opts.details?.failureReason as DeliveryFailureReason | undefined) ?? null;
          break;
        default:
          break;
      }
      Object.assign(changes, step);
      state.status = to;
      state.version = step.version!;
      if (step.consentIds) state.consentIds = step.consentIds;
      planned.push({ from, to, at, opts, details });
    }

    // Plain SQL for the two writes every move makes (they run several times per delivery; the ORM's statement building
    // cost more than the statements). The version in the WHERE clause refuses a change made meanwhile.
    const columns = em.connection.getMetadata(ReferralEntity);
    const params: unknown[] = [referral.id, referral.version];
    const set = Object.entries(changes).map(([property, value]) => `"${columns.findColumnWithPropertyName(property)!.databaseName}" = $${params.push(value)}`);
    const updated = await plainQuery(em, `UPDATE referrals SET ${set.join(', ')}, updated_at = now() WHERE id = $1 AND version = $2`, params);
    if (updated.rowCount !== 1) throw new DomainError('CONFLICT', 'The referral changed meanwhile; try again');
    Object.assign(referral, changes);

    const actorUserId = mover.actor.kind === 'user' ? mover.actor.userId : null;
    const actorOrganisationId = mover.actor.kind === 'system' ? null : mover.actor.organisationId;
    const historyParams: unknown[] = [referral.id, mover.actor.kind, actorUserId, actorOrganisationId];
    const values = planned.map(({ from, to, at, opts, details }) => {
      const n = historyParams.push(from, to, opts.reason ?? null, opts.note ?? null, Object.keys(details).length > 0 ? JSON.stringify(details) : null, at);
      return `($1, 'transition', $${n - 5}::referral_status, $${n - 4}::referral_status, $2::referral_actor_kind, $3::uuid, $4::uuid, $${n - 3}, $${n - 2}, $${n - 1}::jsonb, $${n}::timestamptz)`;
    });
    const { rows: historyRows } = await plainQuery<{ id: string }>(
      em,
      `INSERT INTO referral_events (referral_id, kind, from_status, to_status, actor_kind, actor_user_id, actor_organisation_id, reason, note, details, occurred_at)
       VALUES ${values.join(', ')} RETURNING id`,
      historyParams,
    );
    await this.audit.recordMany(
      em,
      mover.audit,
      planned.map(({ from, to, details }) => ({
        action: `referral.${to}`,
        recordType: REFERRAL_RECORD,
        recordId: referral.id,
        purpose: referral.purpose,
        details: {
          caseId: referral.caseId,
          from,
          to,
          ...(mover.actor.kind === 'partner' ? { partnerOrganisationId: mover.actor.organisationId } : {}),
          ...details,
        },
      })),
    );
    for (const review of reviews) await this.gate.recordDisclosure(em, review, mover.audit, { recordType: REFERRAL_RECORD, recordId: referral.id });
    for (const [i, { from, to, at, opts }] of planned.entries()) {
      await this.afterMove(em, referral, from, to, at, opts.receiver);
      await this.notifyPartner(em, referral, mover, historyRows[i].id, from, to);
    }
    return referral;
  }

  private async afterMove(em: EntityManager, referral: ReferralEntity, from: ReferralStatus, to: ReferralStatus, now: Date, receiver?: ReceiverFacts): Promise<void> {
    const id = referral.id;
    switch (to) {
      case 'submitted':
        // A cross-border referral waits for a supervisor; a domestic one for its caseworker or a supervisor.
        await this.alerts.raise(em, {
          organisationId: referral.sendingOrganisationId,
          type: 'referral_awaiting_approval',
          recordType: REFERRAL_RECORD,
          recordId: id,
          caseId: referral.caseId,
          audience: referral.crossBorder ? 'supervisors' : 'organisation',
        });
        return;
      case 'approved':
        await this.alerts.resolveOpenForRecord(em, { recordType: REFERRAL_RECORD, recordId: id, type: 'referral_awaiting_approval' }, 'no_longer_applies');
        await this.outbox.add(em, { type: REFERRAL_JOBS.deliver, payload: { referralId: id } });
        return;
      case 'received': {
        const receiverLocal = receiver ? receiver.node === 'local' : await this.isLocal(em, referral.receivingOrganisationId);
        if (receiverLocal) {
          await this.alerts.raise(em, {
            organisationId: referral.receivingOrganisationId,
            type: 'referral_awaiting_acceptance',
            recordType: REFERRAL_RECORD,
            recordId: id,
            caseId: null,
            dueAt: referral.acceptanceDueAt,
          });
        }
        await this.scheduleDeadline(em, id, 'acceptance', 'overdue', referral.acceptanceDueAt ?? now);
        return;
      }
      case 'accepted':
        await this.resolveReferralAlerts(em, referral, 'no_longer_applies');
        if (referral.crossBorder) await this.openMilestones(em, referral, now);
        return;
      case 'rejected':
      case 'cancelled':
        await this.resolveReferralAlerts(em, referral, 'record_closed');
        return;
      case 'completed':
        await this.resolveReferralAlerts(em, referral, 'record_closed');
        return;
      case 'recalled':
        await this.resolveReferralAlerts(em, referral, 'consent_withdrawn');
        if (from !== 'draft' && from !== 'submitted' && !(await this.isLocal(em, referral.receivingOrganisationId))) {
          // The partner may hold the packet: it is told, durably, by the worker.
          await this.outbox.add(em, { type: REFERRAL_JOBS.recallRemote, payload: { referralId: id } });
        }
        return;
      case 'failed':
        await this.resolveReferralAlerts(em, referral, 'no_longer_applies');
        await this.alerts.raise(em, {
          organisationId: referral.sendingOrganisationId,
          type: 'delivery_failed',
          recordType: REFERRAL_RECORD,
          recordId: id,
          caseId: referral.caseId,
          details: { failureReason: referral.failureReason },
        });
        return;
      default:
        return;
    }
  }

  /** Closes every open alert about the referral and its milestones, in both organisations. */
  private async resolveReferralAlerts(em: EntityManager, referral: ReferralEntity, code: SystemResolutionCode): Promise<void> {
    await this.alerts.resolveOpenForRecord(em, { recordType: REFERRAL_RECORD, recordId: referral.id }, code);
    const rows = await em.find(ReferralMilestoneEntity, { select: { id: true }, where: { referralId: referral.id } });
    for (const row of rows) await this.alerts.resolveOpenForRecord(em, { recordType: MILESTONE_RECORD, recordId: row.id }, code);
  }

  private async isLocal(em: EntityManager, organisationId: string): Promise<boolean> {
    const org = await em.findOne(OrganisationEntity, { select: { id: true, node: true }, where: { id: organisationId } });
    return org?.node === 'local';
  }

  /** The receiving organisation's node, country and (remote) partner acceptance deadline, in one read; null if unknown. */
  async receiverOf(em: EntityManager, organisationId: string): Promise<ReceiverFacts | null> {
    const { rows } = await plainQuery<{ node: ReceiverFacts['node']; country: string; hours: number | null; partner_status: GatePartnerStatus | null }>(
      em,
      `SELECT o.node, o.country, p.acceptance_deadline_hours AS hours, p.status AS partner_status
         FROM organisations o LEFT JOIN federation_partners p ON p.id = o.partner_id WHERE o.id = $1`,
      [organisationId],
    );
    const row = rows[0];
    return row ? { node: row.node, country: row.country, partnerAcceptanceHours: row.hours ?? null, partnerStatus: row.partner_status ?? null } : null;
  }

  // ---------------------------------------------------------------- delivery outcomes (worker)

  /**
   * Records a delivery that reached the receiver: approved → sent (keeping the consents delivery relied on), and for a
   * local receiver sent → received at once. `receiver` is what the caller read in this transaction (receiverOf).
   */
  async recordDelivered(em: EntityManager, referral: ReferralEntity, consentIds: string[], receiver: ReceiverFacts): Promise<void> {
    const local = receiver.node === 'local';
    const sent = { to: 'sent' as const, opts: { details: { consentIds, delivery: local ? 'local' : 'remote' }, deliveryConsentIds: consentIds, receiver } };
    const received = { to: 'received' as const, opts: { details: { delivery: 'local' }, receiver } };
    await this.moveThrough(em, referral, local ? [sent, received] : [sent], SYSTEM);
  }

  /**
   * Delivery failed for good. When the partner may hold the packet anyway (it answered, but was suspended before its
   * acknowledgement was checked), it is sent a recall: the one message that still goes to a suspended partner.
   */
  async recordFailed(em: EntityManager, referral: ReferralEntity, reason: DeliveryFailureReason, opts: { partnerMayHold?: boolean } = {}): Promise<void> {
    await this.move(em, referral, 'failed', SYSTEM, { details: { failureReason: reason, ...(opts.partnerMayHold ? { partnerMayHold: true } : {}) } });
    if (opts.partnerMayHold) await this.outbox.add(em, { type: REFERRAL_JOBS.recallRemote, payload: { referralId: referral.id } });
  }

  // ---------------------------------------------------------------- recall (worker)

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
      .orderBy('r.created_at', 'ASC')
      .getMany();
    const recalled: string[] = [];
    for (const referral of candidates) {
      await this.move(em, referral, 'recalled', SYSTEM, { details: { consentId } });
      recalled.push(referral.id);
    }
    return recalled;
  }

  /** The partner deployment confirmed it destroyed the packet of a recalled referral: a history row and an audit event. */
  async recordRecallAcknowledged(em: EntityManager, referral: ReferralEntity, partnerOrganisationId: string, at = new Date()): Promise<void> {
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

  /**
   * A move or milestone a user of this deployment made on a referral whose other side is on a partner deployment:
   * the partner is told by a signed event, durably, through the outbox (federation.notify-partner, ids only).
   * Moves the partner made itself are not echoed back, and a referral the partner never got is not its business.
   */
  private async notifyPartner(em: EntityManager, referral: ReferralEntity, mover: Mover, eventId: string, from: ReferralStatus, what: ReferralStatus | 'milestone'): Promise<void> {
    if (mover.actor.kind !== 'user') return;
    if (what !== 'milestone' && !PARTNER_VISIBLE_MOVES.includes(what)) return;
    if (HIDDEN_FROM_PARTNER.includes(from)) return;
    const other = mover.actor.organisationId === referral.sendingOrganisationId ? referral.receivingOrganisationId : referral.sendingOrganisationId;
    if (await this.isLocal(em, other)) return;
    await this.outbox.add(em, { type: 'federation.notify-partner', payload: { referralId: referral.id, referralEventId: eventId } });
  }

  // ---------------------------------------------------------------- milestones

  /** At acceptance of a cross-border referral: the six milestones with their due dates, and a delayed check for each. */
  private async openMilestones(em: EntityManager, referral: ReferralEntity, acceptedAt: Date): Promise<void> {
    const due = dueDates(acceptedAt, this.config.referrals.milestones);
    await em.insert(
      ReferralMilestoneEntity,
      REFERRAL_MILESTONES.map((milestone) => ({ referralId: referral.id, milestone, state: 'pending' as const, dueAt: due[milestone] })),
    );
    // On an incoming referral from a partner the case (and the objection) is on the sending deployment, which records
    // the skipped notification itself and sends it over as a milestone event.
    const objects = referral.caseId
      ? await em.findOne(CaseEntity, { select: { id: true, objectsToHomeStateNotification: true }, where: { id: referral.caseId } })
      : null;
    if (objects?.objectsToHomeStateNotification) {
      // The person objects: the step is recorded as skipped at once, with the reason, so nobody is chased for it.
      await this.writeMilestone(em, referral, 'home_state_notified', SYSTEM, { skipped: true, skipReason: OBJECTION_SKIP_REASON, occurredAt: acceptedAt });
    }
    for (const row of await em.find(ReferralMilestoneEntity, { where: { referralId: referral.id, state: 'pending' } })) {
      await this.scheduleDeadline(em, referral.id, row.milestone, 'overdue', row.dueAt);
    }
  }

  /**
   * Records one milestone (done or skipped) after the rules of referral-milestones.ts; the caller has locked the
   * referral and resolved the actor's side. Moves later due dates, resolves the milestone's alerts, writes the history.
   */
  async recordMilestone(
    em: EntityManager,
    referral: ReferralEntity,
    milestone: ReferralMilestone,
    mover: Mover,
    input: { skipped: boolean; skipReason?: string | null; note?: string | null; occurredAt?: Date },
  ): Promise<void> {
    if (mover.actor.kind === 'system') throw new Error('a milestone is recorded by a side of the referral');
    const side = mover.actor.organisationId === referral.sendingOrganisationId ? 'sender' : 'receiver';
    const row = await em.findOne(ReferralMilestoneEntity, { where: { referralId: referral.id, milestone } });
    let skipReason = input.skipReason ?? null;
    if (milestone === 'home_state_notified' && row?.state === 'pending' && referral.caseId) {
      const c = await em.findOne(CaseEntity, { select: { id: true, objectsToHomeStateNotification: true }, where: { id: referral.caseId } });
      if (c?.objectsToHomeStateNotification) {
        if (!input.skipped) {
          throw new DomainError('REFERRAL_MILESTONE_OBJECTED', 'The person objects to notification of the home state: record it as skipped', {
            milestone,
            suggestedSkipReason: OBJECTION_SKIP_REASON,
          });
        }
        skipReason ??= OBJECTION_SKIP_REASON;
      }
    }
    assertMilestoneRecordable({
      milestone,
      side,
      status: referral.status,
      crossBorder: referral.crossBorder,
      skipped: input.skipped,
      reason: input.skipped ? skipReason : null,
      alreadyRecorded: row !== null && row.state !== 'pending',
    });
    if (input.occurredAt && input.occurredAt.getTime() > Date.now() + 60_000) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: 'occurredAt', errors: ['occurredAt must not be in the future'] }]);
    }
    await this.writeMilestone(em, referral, milestone, mover, { ...input, skipReason });
  }

  private async writeMilestone(
    em: EntityManager,
    referral: ReferralEntity,
    milestone: ReferralMilestone,
    mover: Mover,
    input: { skipped: boolean; skipReason?: string | null; note?: string | null; occurredAt?: Date },
  ): Promise<void> {
    const now = new Date();
    const occurredAt = input.occurredAt ?? now;
    const row = await em.findOneOrFail(ReferralMilestoneEntity, { where: { referralId: referral.id, milestone } });
    const organisationId = mover.actor.kind === 'system' ? null : mover.actor.organisationId;
    await em.update(ReferralMilestoneEntity, { id: row.id }, {
      state: input.skipped ? 'skipped' : 'done',
      occurredAt,
      recordedAt: now,
      recordedByUserId: mover.actor.kind === 'user' ? mover.actor.userId : null,
      recordedByOrganisationId: organisationId,
      note: input.note ?? null,
      skipReason: input.skipped ? (input.skipReason ?? null) : null,
    });
    const historyRow = await em.insert(ReferralEventEntity, {
      referralId: referral.id,
      kind: 'milestone',
      fromStatus: referral.status,
      toStatus: null,
      milestone,
      skipped: input.skipped,
      actorKind: mover.actor.kind,
      actorUserId: mover.actor.kind === 'user' ? mover.actor.userId : null,
      actorOrganisationId: organisationId,
      reason: input.skipped ? (input.skipReason ?? null) : null,
      note: input.note ?? null,
      details: { dueAt: row.dueAt.toISOString() },
      occurredAt,
    });
    await this.audit.record(em, mover.audit, {
      action: 'referral.milestone',
      recordType: REFERRAL_RECORD,
      recordId: referral.id,
      purpose: referral.purpose,
      details: {
        caseId: referral.caseId,
        milestone,
        skipped: input.skipped,
        ...(mover.actor.kind === 'partner' ? { partnerOrganisationId: mover.actor.organisationId } : {}),
      },
    });
    await this.alerts.resolveOpenForRecord(em, { recordType: MILESTONE_RECORD, recordId: row.id }, 'no_longer_applies');
    await this.rescheduleMilestones(em, referral);
    await this.notifyPartner(em, referral, mover, historyRow.identifiers[0].id as string, referral.status, 'milestone');
  }

  /** Milestones counted from the previous one move when it is recorded: new due dates, and a check at each new one. */
  private async rescheduleMilestones(em: EntityManager, referral: ReferralEntity): Promise<void> {
    if (!referral.acceptedAt) return;
    const rows = await em.find(ReferralMilestoneEntity, { where: { referralId: referral.id } });
    const recorded: Partial<Record<ReferralMilestone, Date>> = {};
    for (const r of rows) if (r.state !== 'pending' && r.recordedAt) recorded[r.milestone] = r.recordedAt;
    const due = dueDates(referral.acceptedAt, this.config.referrals.milestones, recorded);
    for (const r of rows) {
      if (r.state !== 'pending' || r.dueAt.getTime() === due[r.milestone].getTime()) continue;
      await em.update(ReferralMilestoneEntity, { id: r.id }, { dueAt: due[r.milestone] });
      await this.scheduleDeadline(em, referral.id, r.milestone, 'overdue', due[r.milestone]);
    }
  }

  // ---------------------------------------------------------------- deadlines (worker)

  async scheduleDeadline(em: EntityManager, referralId: string, step: DeadlineStep, stage: 'overdue' | 'escalated', at: Date): Promise<void> {
    await this.outbox.add(em, { type: REFERRAL_JOBS.deadline, payload: { referralId, step, stage }, availableAt: at });
  }

  /**
   * A delayed check. Nothing happens when the step was done meanwhile; a check that fires before the (moved) due date
   * is scheduled again for it; otherwise the overdue alert goes to the side responsible, and the escalation one period
   * later to the sending organisation's supervisors.
   */
  async checkDeadline(em: EntityManager, referralId: string, step: DeadlineStep, stage: 'overdue' | 'escalated', now = this.clock.now()): Promise<'raised' | 'not_due' | 'done'> {
    const referral = await this.lock(em, referralId);
    if (!referral) return 'done';
    let dueAt: Date | null;
    let recordType: string;
    let recordId: string;
    if (step === 'acceptance') {
      if (referral.status !== 'sent' && referral.status !== 'received') return 'done';
      dueAt = referral.acceptanceDueAt;
      recordType = REFERRAL_RECORD;
      recordId = referral.id;
    } else {
      if (referral.status !== 'accepted' && referral.status !== 'in_progress') return 'done';
      const row = await em.findOne(ReferralMilestoneEntity, { where: { referralId, milestone: step } });
      if (!row || row.state !== 'pending') return 'done';
      dueAt = row.dueAt;
      recordType = MILESTONE_RECORD;
      recordId = row.id;
    }
    if (!dueAt) return 'done';
    const { alertAt, escalateAt } = overdueSchedule(dueAt, this.config.referrals.escalationHours);
    const fireAt = stage === 'overdue' ? alertAt : escalateAt;
    if (now.getTime() < fireAt.getTime()) {
      await this.scheduleDeadline(em, referralId, step, stage, fireAt);
      return 'not_due';
    }
    const target = overdueAlertTarget(step, stage);
    let organisationId = target.side === 'sender' ? referral.sendingOrganisationId : referral.receivingOrganisationId;
    // A remote organisation has no users here: its overdue step is the sender's to chase.
    if (!(await this.isLocal(em, organisationId))) organisationId = referral.sendingOrganisationId;
    await this.alerts.raise(em, {
      organisationId,
      type: 'overdue_step',
      recordType,
      recordId,
      caseId: organisationId === referral.sendingOrganisationId && (await this.ownsCase(em, organisationId, referral.caseId)) ? referral.caseId : null,
      dueAt,
      severity: stage === 'escalated' ? 'critical' : 'warning',
      audience: stage === 'escalated' ? 'supervisors' : 'organisation',
      details: { referralId, step, stage },
      dedupeKey: `overdue_step:${referralId}:${step}:${stage}`,
    });
    if (stage === 'overdue') await this.scheduleDeadline(em, referralId, step, 'escalated', escalateAt);
    return 'raised';
  }

  private async ownsCase(em: EntityManager, organisationId: string, caseId: string | null): Promise<boolean> {
    if (!caseId) return false;
    return (await em.count(CaseEntity, { where: { id: caseId, ownerOrganisationId: organisationId } })) > 0;
  }

  /** Who records a milestone, for views. */
  static recordedBy(milestone: ReferralMilestone): 'sender' | 'receiver' {
    return MILESTONE_RULES[milestone].recordedBy;
  }

  async milestonesOf(em: EntityManager, referralIds: string[]): Promise<Map<string, ReferralMilestoneEntity[]>> {
    const out = new Map<string, ReferralMilestoneEntity[]>();
    if (referralIds.length === 0) return out;
    const meta = em.connection.getMetadata(ReferralMilestoneEntity);
    const { rows: raw } = await plainQuery(em, `SELECT ${entityColumns(meta, 'm')} FROM referral_milestones m WHERE m.referral_id = ANY($1::uuid[])`, [referralIds]);
    const rows = raw.map((row) => toEntity<ReferralMilestoneEntity>(meta, row));
    const order = (m: ReferralMilestone) => REFERRAL_MILESTONES.indexOf(m);
    rows.sort((a, b) => order(a.milestone) - order(b.milestone));
    for (const r of rows) out.set(r.referralId, [...(out.get(r.referralId) ?? []), r]);
    return out;
  }
}
