/**
 * The referral state machine applied: every change of status (state machine check, history row, audit event, alerts,
 * outbox rows) in the caller's transaction, the referral row locked by the caller. What each new status implies
 * (alerts, jobs, milestones) follows in afterMove.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { DeliveryFailureReason, ReferralStatus } from '../common/vocabulary';
import { AppConfig } from '../config/app-config';
import { DisclosureGate, GateAnswer } from '../disclosure/disclosure-gate.service';
import { OutboxService } from '../outbox/outbox.service';
import { REFERRAL_JOBS } from './jobs/referral.jobs';
import { acceptanceDueAt } from './referral-milestones';
import { ReferralMilestonesService } from './referral-milestones.service';
import { ReferralNotices } from './referral-notices';
import { ReferralReads } from './referral-reads';
import { MoveOptions, Mover, ReceiverFacts, REFERRAL_RECORD } from './referral-workflow.types';
import { localCaseId, ReferralEntity } from './referral.entity';
import { runSql } from '../database/sql';
import { insertTransitionEvents, MOVE_COLUMNS, MOVE_FIELDS, moveManyAtVersion } from './referral.queries';
import { assertTransition } from './referral.state-machine';

@Injectable()
export class ReferralTransitions {
  constructor(
    private readonly config: AppConfig,
    private readonly gate: DisclosureGate,
    private readonly reads: ReferralReads,
    private readonly notices: ReferralNotices,
    private readonly milestones: ReferralMilestonesService,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * One move of the state machine, in the caller's transaction (the referral row is locked by the caller): the status
   * and version, the history row, the audit event and what the new status implies (alerts, jobs, milestones).
   */
  async move(
    em: EntityManager,
    referral: ReferralEntity,
    to: ReferralStatus,
    mover: Mover,
    opts: MoveOptions = {},
  ): Promise<ReferralEntity> {
    return this.moveThrough(em, referral, [{ to, opts }], mover);
  }

  /**
   * Moves made one after the other by the same mover, exactly as that many calls of move() would make them (each
   * checked by the state machine from the status the previous one left, each with its history row, audit event and
   * consequences), written with one UPDATE of the referral and one INSERT each for the history rows and the audit
   * events. A local delivery is approved → sent → received in one go.
   */
  async moveThrough(
    em: EntityManager,
    referral: ReferralEntity,
    steps: Array<{ to: ReferralStatus; opts: MoveOptions }>,
    mover: Mover,
  ): Promise<ReferralEntity> {
    await this.moveMany(em, [{ referral, steps }], mover);
    return referral;
  }

  /**
   * moveThrough for several referrals by the same mover, each locked by the caller: every referral's moves are
   * planned and checked as moveThrough plans them, then the writes of all of them go in one statement each (the
   * referrals, the history rows, the audit events, the outbox messages). A group of local deliveries is one call.
   * Any refusal throws before anything is written.
   */
  async moveMany(
    em: EntityManager,
    items: Array<{ referral: ReferralEntity; steps: Array<{ to: ReferralStatus; opts: MoveOptions }> }>,
    mover: Mover,
  ): Promise<void> {
    const plans: PlannedMoves[] = [];
    for (const { referral, steps } of items) plans.push(await this.plan(em, referral, steps, mover));

    // Plain SQL for the writes every move makes (they run several times per delivery; the ORM's statement building
    // cost more than the statements). The version in the WHERE clause refuses a change made meanwhile.
    // The statement writes every column a move may change: those this move leaves keep the values read at this version.
    const moved = await runSql(em, moveManyAtVersion, [
      JSON.stringify(
        plans.map(({ referral, changes }) => {
          const next = { ...referral, ...changes };
          return {
            id: referral.id,
            prev_version: referral.version,
            ...Object.fromEntries(MOVE_COLUMNS.map((c) => [MOVE_FIELDS[c], next[c]])),
          };
        }),
      ),
    ]);
    if (moved.rowCount !== plans.length) throw new DomainError('CONFLICT', 'The referral changed meanwhile; try again');
    for (const { referral, changes } of plans) Object.assign(referral, changes);

    const steps = plans.flatMap(({ referral, planned }) => planned.map((p) => ({ referral, ...p })));
    const { rows: inserted } = await runSql(em, insertTransitionEvents, [
      steps.map((p) => p.referral.id),
      mover.actor.kind,
      mover.actor.kind === 'user' ? mover.actor.userId : null,
      mover.actor.kind === 'system' ? null : mover.actor.organisationId,
      steps.map((p) => p.from),
      steps.map((p) => p.to),
      steps.map((p) => p.opts.reason ?? null),
      steps.map((p) => p.opts.note ?? null),
      steps.map((p) => (Object.keys(p.details).length > 0 ? JSON.stringify(p.details) : null)),
      steps.map((p) => p.at),
    ]);
    await this.audit.recordMany(
      em,
      mover.audit,
      steps.map(({ referral, from, to, details }) => ({
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
    for (const { referral, reviews } of plans)
      for (const review of reviews)
        await this.gate.recordDisclosure(em, review, mover.audit, { recordType: REFERRAL_RECORD, recordId: referral.id });
    await this.outbox.gathering(em, async () => {
      for (const [i, { referral, from, to, at, opts }] of steps.entries()) {
        await this.afterMove(em, referral, from, to, at, opts.receiver, opts.details);
        await this.notices.notifyPartner(em, referral, mover, inserted[i].id, from, to);
        await this.notices.publishMove(em, referral, to, at);
      }
    });
  }

  /** One referral's moves checked by the state machine in order, with what each changes and records; nothing written. */
  private async plan(
    em: EntityManager,
    referral: ReferralEntity,
    steps: Array<{ to: ReferralStatus; opts: MoveOptions }>,
    mover: Mover,
  ): Promise<PlannedMoves> {
    const planned: PlannedMoves['planned'] = [];
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
              openedViaBreakGlass: () => this.reads.historyFlag(em, referral.id, 'draft', 'viaBreakGlass'),
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
          const receiver = opts.receiver ?? (await this.reads.receiverOf(em, referral.receivingOrganisationId));
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

    return { referral, planned, changes, reviews };
  }

  private async afterMove(
    em: EntityManager,
    referral: ReferralEntity,
    from: ReferralStatus,
    to: ReferralStatus,
    now: Date,
    receiver?: ReceiverFacts,
    details?: Record<string, unknown>,
  ): Promise<void> {
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
        await this.alerts.resolveOpenForRecord(
          em,
          { recordType: REFERRAL_RECORD, recordId: id, type: 'referral_awaiting_approval' },
          'no_longer_applies',
        );
        await this.outbox.add(em, { type: REFERRAL_JOBS.deliver, payload: { referralId: id } });
        return;
      case 'received': {
        const receiverLocal = receiver ? receiver.node === 'local' : await this.reads.isLocal(em, referral.receivingOrganisationId);
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
        await this.notices.scheduleDeadline(em, id, 'acceptance', 'overdue', referral.acceptanceDueAt ?? now);
        return;
      }
      case 'accepted':
        await this.notices.resolveReferralAlerts(em, referral, 'no_longer_applies');
        if (referral.crossBorder) await this.milestones.openMilestones(em, referral, now);
        return;
      case 'rejected':
      case 'cancelled':
        await this.notices.resolveReferralAlerts(em, referral, 'record_closed');
        return;
      case 'completed':
        await this.notices.resolveReferralAlerts(em, referral, 'record_closed');
        return;
      case 'recalled':
        // Why it was recalled: the person withdrew the consent, or asked for erasure (the alerts say which).
        await this.notices.resolveReferralAlerts(
          em,
          referral,
          details?.recallReason === 'erasure_requested' ? 'erasure_requested' : 'consent_withdrawn',
        );
        if (from !== 'draft' && from !== 'submitted' && !(await this.reads.isLocal(em, referral.receivingOrganisationId))) {
          // The partner may hold the packet: it is told, durably, by the worker.
          const payload: Record<string, string> = { referralId: id };
          if (details?.recallReason === 'erasure_requested') payload.reason = 'erasure_requested';
          await this.outbox.add(em, { type: REFERRAL_JOBS.recallRemote, payload });
        }
        return;
      case 'failed':
        await this.notices.resolveReferralAlerts(em, referral, 'no_longer_applies');
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
}

/** One referral's moves as planned: the steps in order, the columns they change, the gate answers to record. */
interface PlannedMoves {
  referral: ReferralEntity;
  planned: Array<{ from: ReferralStatus; to: ReferralStatus; at: Date; opts: MoveOptions; details: Record<string, unknown> }>;
  changes: Partial<ReferralEntity>;
  reviews: GateAnswer[];
}
