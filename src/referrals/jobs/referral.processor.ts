import { InjectQueue, Processor } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, Queue, UnrecoverableError } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../../alerts/alerts.service';
import { AppConfig } from '../../config/app-config';
import { CasesService } from '../../cases/cases.service';
import { CASE_JOBS, RestrictionChange } from '../../cases/jobs/case.jobs';
import type { RecallReason } from '../../federation/referral-packets';
import { CONSENT_JOBS } from '../../consent/jobs/consent.jobs';
import { groupedRowsOf, OutboxJobData, processOnce } from '../../outbox/outbox-job';
import { ConfiguredWorkerHost } from '../../queue/configured-worker';
import { GroupedRow, QUEUES } from '../../queue/queues';
import { ReferralDeadlines } from '../referral-deadlines.service';
import { GroupOutcome, ReferralDelivery } from '../referral-delivery.service';
import { DeadlineStep } from '../referral-milestones';
import { ReferralReads } from '../referral-reads';
import { ReferralRecall } from '../referral-recall.service';
import { ReferralErasureRequests } from '../referral-erasure-requests';
import { ReferralRemoteDelivery } from '../referral-remote-delivery';
import { ReferralRectificationNotices, RectificationFanOut } from '../referral-rectification-notices';
import { ReferralRectificationSender } from '../referral-rectification-sender';
import { ReferralRestrictionNotices } from '../referral-restriction-notices';
import { ReferralTransitions } from '../referral-transitions.service';
import { SYSTEM } from '../referral-workflow.types';
import { runSql } from '../../database/sql';
import { eventActorOrganisation } from '../referral.queries';
import { REMOTE_DELIVERY_PORT, RemoteDeliveryPort, RemoteDeliveryResult } from '../remote-delivery.port';
import { REFERRAL_JOBS, ReferralJobName } from './referral.jobs';
import { RESTITUTION_SHARING_JOBS } from '../../restitution/jobs/restitution.events';
import { ReferralRestitutionSync, SyncOutcome } from '../referral-restitution-sync';

/** The jobs of this queue: the referrals module's own, and the events of other modules it reacts to. */
type JobName =
  | ReferralJobName
  | typeof CONSENT_JOBS.withdrawn
  | typeof CASE_JOBS.restrictionChanged
  | typeof CASE_JOBS.identityErased
  | typeof CASE_JOBS.corrected
  | typeof RESTITUTION_SHARING_JOBS.claimShared
  | typeof RESTITUTION_SHARING_JOBS.copyPayment
  | typeof RESTITUTION_SHARING_JOBS.copyChange;

/**
 * The referrals queue: delivery of approved referrals, deadline checks, recalls and events to partner deployments, and
 * the reaction to a consent withdrawal (every referral that relied on the consent is recalled). Every effect
 * is recorded exactly once (processOnce); a network call to a partner happens before, outside the transaction, and
 * the port is idempotent per referral, so a crash in between at worst repeats the call.
 */
@Processor(QUEUES.referrals)
export class ReferralProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(ReferralProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly reads: ReferralReads,
    private readonly transitions: ReferralTransitions,
    private readonly delivery: ReferralDelivery,
    private readonly deadlines: ReferralDeadlines,
    private readonly recalls: ReferralRecall,
    private readonly restrictionNotices: ReferralRestrictionNotices,
    private readonly rectificationNotices: ReferralRectificationNotices,
    private readonly rectificationSender: ReferralRectificationSender,
    private readonly erasures: ReferralErasureRequests,
    private readonly partnerEvents: ReferralRemoteDelivery,
    private readonly alerts: AlertsService,
    private readonly cases: CasesService,
    @Inject(REMOTE_DELIVERY_PORT) private readonly remote: RemoteDeliveryPort,
    private readonly restitutionSync: ReferralRestitutionSync,
    protected readonly appConfig: AppConfig,
    @InjectQueue(QUEUES.referrals) private readonly queue: Queue,
  ) {
    super();
  }

  async process(job: Job<OutboxJobData, unknown, JobName>): Promise<string> {
    const name = job.name;
    const referralId = String(job.data.referralId);
    switch (name) {
      case CONSENT_JOBS.withdrawn: {
        // Every referral whose packet relied on this consent, and has not ended, is recalled (history + audit each).
        let recalled = 0;
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          recalled = (await this.recalls.recallForConsent(em, String(job.data.consentId), String(job.data.caseId))).length;
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, recalled }, name);
        return outcome;
      }
      case CASE_JOBS.restrictionChanged: {
        // Every organisation that received the case is told: an alert here, a signed notice to a partner deployment.
        let told = 0;
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          told = await this.restrictionNotices.fanOut(
            em,
            String(job.data.caseId),
            String(job.data.restrictionId),
            String(job.data.change) as RestrictionChange,
            typeof job.data.sequence === 'string' ? job.data.sequence : '',
          );
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, told }, name);
        return outcome;
      }
      case CASE_JOBS.corrected: {
        // Every recipient still holding the case whose consent covers a corrected category is told (ids and codes only).
        let told: RectificationFanOut = { told: 0, withheld: 0, remote: 0 };
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          const fields = typeof job.data.fields === 'string' && job.data.fields ? job.data.fields.split(',') : [];
          told = await this.rectificationNotices.fanOut(em, String(job.data.caseId), String(job.data.correctionId), fields);
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, ...told }, name);
        return outcome;
      }
      case CASE_JOBS.identityErased: {
        // The person's identity was erased here: every recipient is asked to erase too (a recall per referral).
        let asked = 0;
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          const owner = job.data.ownerOrganisationId;
          asked = await this.erasures.fanOut(em, String(job.data.caseId), typeof owner === 'string' ? owner : null);
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, asked }, name);
        return outcome;
      }
      case REFERRAL_JOBS.restrictionNotice: {
        const payload = {
          referralId,
          restrictionId: String(job.data.restrictionId),
          change: String(job.data.change) as RestrictionChange,
          occurredAt: String(job.data.occurredAt),
          sequence: typeof job.data.sequence === 'string' ? job.data.sequence : '',
        };
        const sent = await this.partnerEvents.sendRestrictionNotice(payload, String(job.data.outboxId));
        if (sent === 'retry' && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error('partner unreachable; retrying');
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          if (sent !== 'retry' && sent !== 'permanent') return;
          // Never reached the partner: the organisation that holds the case is told, to reach the recipient another way.
          const referral = await this.reads.lock(em, referralId);
          if (!referral) return;
          await this.alerts.raise(em, {
            organisationId: referral.sendingOrganisationId,
            type: 'delivery_failed',
            recordType: 'referral',
            recordId: referralId,
            details: { notification: 'restriction_notice', change: payload.change },
            dedupeKey: `delivery_failed:restriction_notice:${String(job.data.outboxId)}`,
          });
        });
        this.logger.log({ jobId: job.id, referralId, outcome, notice: sent }, name);
        return outcome;
      }
      case REFERRAL_JOBS.rectificationNotice: {
        // A correction to a partner deployment: retried while it cannot be reached; a refusal or the last attempt alerts the owner.
        const payload = { referralId, caseId: String(job.data.caseId), correctionId: String(job.data.correctionId) };
        const sent = await this.rectificationSender.send(payload);
        if (sent === 'retry' && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error('partner unreachable; retrying');
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          if (sent !== 'retry' && sent !== 'permanent') return;
          const failureReason = sent === 'retry' ? 'retries_exhausted' : 'partner_refused';
          await this.rectificationSender.failed(em, payload, failureReason, String(job.data.outboxId));
        });
        this.logger.log({ jobId: job.id, referralId, outcome, notice: sent }, name);
        return outcome;
      }
      case REFERRAL_JOBS.deliver: {
        const outcome = await this.deliver(job, referralId);
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, referralId, outcome }, name);
        return outcome;
      }
      case REFERRAL_JOBS.deliverGroup:
        return this.deliverGroup(job);
      case REFERRAL_JOBS.deadline: {
        let result = 'done';
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          result = await this.deadlines.checkDeadline(
            em,
            referralId,
            String(job.data.step) as DeadlineStep,
            job.data.stage === 'escalated' ? 'escalated' : 'overdue',
          );
        });
        this.logger.log({ jobId: job.id, referralId, step: job.data.step, stage: job.data.stage, outcome, result }, name);
        return outcome;
      }
      case REFERRAL_JOBS.recallRemote: {
        const reason = job.data.reason === 'erasure_requested' ? 'erasure_requested' : 'consent_withdrawn';
        let result = await this.remote.recall(referralId, reason);
        if (result.outcome === 'retry') result = this.retryOrGiveUp(job);
        // A recall (or erasure request) the partner refused, or could not be reached for after the queue's retries:
        // the case's owner is alerted, to reach the recipient another way; the request stays unacknowledged.
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          if (result.outcome !== 'permanent_failure') return;
          await this.raiseRecallFailed(em, referralId, reason, result.reason ?? 'partner_refused', String(job.data.outboxId));
        });
        this.logger.log({ jobId: job.id, referralId, outcome, recall: result.outcome, reason: result.reason ?? null }, name);
        return outcome;
      }
      case REFERRAL_JOBS.notifyPartner: {
        const outcome = await this.notifyPartner(job, referralId);
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, referralId, outcome }, name);
        return outcome;
      }
      case RESTITUTION_SHARING_JOBS.claimShared:
      case RESTITUTION_SHARING_JOBS.copyPayment:
      case RESTITUTION_SHARING_JOBS.copyChange: {
        // Claims across deployments: a snapshot to each partner, or a payment to the partner's record. Retried while
        // the partner cannot be reached; both are idempotent on the partner's side (version; payment id as jti).
        const result: SyncOutcome =
          name === RESTITUTION_SHARING_JOBS.claimShared
            ? await this.restitutionSync.sendSnapshots(String(job.data.claimId))
            : name === RESTITUTION_SHARING_JOBS.copyPayment
              ? await this.restitutionSync.sendCopyPayment(String(job.data.copyId), String(job.data.paymentId))
              : await this.restitutionSync.sendCopyChange(String(job.data.copyId), String(job.data.changeId));
        if (result === 'retry' && job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error('partner unreachable; retrying');
        const outcome = await processOnce(this.dataSource, job.data.outboxId, () => Promise.resolve(undefined));
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, sync: result }, name);
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }

  /**
   * Consent is asked again just before the packet leaves. A local receiver is recorded as having it at once
   * (approved → sent → received); a remote one goes through the port, and its acknowledgement arrives as a partner event.
   *
   * The port is called outside any transaction: when the recording transaction finds a remote receiver whose partner
   * has not been called yet, it rolls back (PartnerCallFirst), the port is called, and the transaction runs again with
   * the answer. A local delivery, the common case, so needs no read before its transaction.
   */
  private async deliver(job: Job<OutboxJobData>, referralId: string): Promise<string> {
    let remote: RemoteDeliveryResult | null = null;
    for (;;) {
      try {
        return await processOnce(this.dataSource, job.data.outboxId, (em) => this.recordDelivery(em, referralId, remote));
      } catch (err) {
        if (!(err instanceof PartnerCallFirst) || remote) throw err;
        // The consent check is repeated inside the recording transaction; a packet the port builds asks the gate itself.
        remote = await this.remote.deliver(referralId);
        if (remote.outcome === 'retry') remote = { ...this.retryOrGiveUp(job), ...(remote.partnerMayHold ? { partnerMayHold: true } : {}) };
      }
    }
  }

  /**
   * A group of deliveries (the relay groups due `deliver` rows): one transaction for all of them
   * (ReferralDelivery.recordGroup). Rows it hands back (a receiver on a partner deployment), and every row when the
   * group fails as a whole, go as jobs of their own, with the queue's retries: the single path above.
   */
  private async deliverGroup(job: Job<OutboxJobData>): Promise<string> {
    let rows: GroupedRow[];
    try {
      rows = groupedRowsOf(job.data);
    } catch (err) {
      throw new UnrecoverableError((err as Error).message);
    }
    let outcome: GroupOutcome;
    try {
      outcome = await this.dataSource.transaction((em) => this.delivery.recordGroup(em, rows));
    } catch (err) {
      this.logger.warn(
        { jobId: job.id, rows: rows.length, err: { type: (err as Error).name, message: (err as Error).message } },
        'delivery group rolled back; each delivery queued on its own',
      );
      outcome = { delivered: [], failed: [], skipped: [], handBack: rows };
    }
    if (outcome.handBack.length > 0) {
      await this.queue.addBulk(
        outcome.handBack.map((row) => ({
          name: REFERRAL_JOBS.deliver,
          data: { ...row.payload, outboxId: row.outboxId, correlationId: row.correlationId },
          opts: { jobId: row.outboxId },
        })),
      );
    }
    const correlation = new Map(rows.map((row) => [String(row.payload.referralId), row.correlationId]));
    for (const [outcomeName, ids] of [
      ['delivered', outcome.delivered],
      ['failed', outcome.failed],
      ['already-processed', outcome.skipped],
    ] as const) {
      for (const id of ids) {
        this.logger.log(
          { jobId: job.id, correlationId: correlation.get(id) ?? null, referralId: id, outcome: outcomeName },
          REFERRAL_JOBS.deliver,
        );
      }
    }
    return `delivered ${outcome.delivered.length}, failed ${outcome.failed.length}, skipped ${outcome.skipped.length}, handed back ${outcome.handBack.length}`;
  }

  private async recordDelivery(em: EntityManager, referralId: string, remote: RemoteDeliveryResult | null): Promise<void> {
    const found = await this.reads.lockWithReceiver(em, referralId);
    // Cancelled or recalled meanwhile: nothing is delivered (and a remote partner got a recall for it).
    if (!found || found.referral.status !== 'approved') return;
    const { referral: locked, receiver } = found;
    // The gate first: a refusal (consent, a suspended or retired partner) fails the delivery at once, with no call out.
    // When the partner was already called, it may hold the packet: it is sent a recall with the failure.
    const partnerMayHold = remote !== null && (remote.outcome === 'delivered' || remote.partnerMayHold === true);
    const gate = await this.delivery.deliveryDecision(em, locked, receiver, { lockCase: true });
    if ('failure' in gate) {
      await this.delivery.recordFailed(em, locked, gate.failure, { partnerMayHold });
      return;
    }
    if (receiver.node !== 'local' && !remote) throw new PartnerCallFirst();
    if (remote && remote.outcome === 'permanent_failure') {
      await this.delivery.recordFailed(em, locked, remote.reason ?? 'partner_refused', { partnerMayHold });
      return;
    }
    await this.delivery.recordDelivered(em, locked, gate.consentIds, receiver);
    // The partner's signed acknowledgement came with the answer: it holds the packet.
    if (remote?.acknowledged) await this.transitions.move(em, locked, 'received', SYSTEM, { details: { delivery: 'remote' } });
  }

  /**
   * Tells the partner about a move or milestone. Retries with the queue's backoff while the partner cannot be reached;
   * a refusal, or the last attempt, leaves a delivery_failed alert for the organisation whose move it was (the
   * partner does not know about it).
   */
  private async notifyPartner(job: Job<OutboxJobData>, referralId: string): Promise<string> {
    const eventId = String(job.data.referralEventId);
    let result: string = await this.partnerEvents.notifyPartner(eventId);
    if (result === 'retry') {
      if (job.attemptsMade + 1 < (job.opts.attempts ?? 1)) throw new Error('partner unreachable; retrying');
      result = 'permanent';
    }
    // The disclosure gate refused (a suspended or retired partner, consent gone): failed at once, never retried.
    const failureReason =
      result === 'partner_refused' || result === 'consent_not_covering' || result === 'case_restricted'
        ? result
        : result === 'permanent'
          ? 'partner_refused'
          : null;
    await processOnce(this.dataSource, job.data.outboxId, async (em) => {
      if (failureReason === null) return;
      const organisationId = (await runSql(em, eventActorOrganisation, [eventId])).rows[0]?.actor_organisation_id;
      if (!organisationId) return;
      await this.alerts.raise(em, {
        organisationId,
        type: 'delivery_failed',
        recordType: 'referral',
        recordId: referralId,
        details: { notification: 'partner_event', referralEventId: eventId, failureReason },
        dedupeKey: `delivery_failed:partner_event:${eventId}`,
      });
    });
    return result;
  }

  private async raiseRecallFailed(
    em: EntityManager,
    referralId: string,
    reason: RecallReason,
    failureReason: string,
    outboxId: string,
  ): Promise<void> {
    const referral = await this.reads.lock(em, referralId);
    if (!referral?.caseId) return;
    const owner = (await this.cases.ownerOf(em, referral.caseId)) ?? referral.sendingOrganisationId;
    await this.alerts.raise(em, {
      organisationId: owner,
      type: 'delivery_failed',
      recordType: 'referral',
      recordId: referralId,
      caseId: referral.caseId,
      details: { notification: reason === 'erasure_requested' ? 'erasure_request' : 'recall', failureReason },
      dedupeKey: `delivery_failed:recall:${outboxId}`,
    });
  }

  /** Retries with the queue's backoff; on the last attempt, a permanent failure (retries exhausted). */
  private retryOrGiveUp(job: Job): RemoteDeliveryResult {
    const attempts = job.opts.attempts ?? 1;
    if (job.attemptsMade + 1 < attempts) throw new Error('partner unreachable; retrying');
    return { outcome: 'permanent_failure', reason: 'retries_exhausted' };
  }
}

/** Thrown inside the recording transaction (rolling it back) when the partner deployment must be called first. */
class PartnerCallFirst extends Error {}
