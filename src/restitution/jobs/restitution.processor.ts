import { Processor } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../../alerts/alerts.service';
import { caseDisclosureFacts } from '../../cases/case-facts';
import { Clock } from '../../common/clock';
import { RESTITUTION_ALERT_KINDS, RestitutionAlertKind } from '../../common/vocabulary/restitution';
import { AppConfig } from '../../config/app-config';
import { OutboxJobData, processOnce } from '../../outbox/outbox-job';
import { OutboxService } from '../../outbox/outbox.service';
import { ConfiguredWorkerHost } from '../../queue/configured-worker';
import { QUEUES } from '../../queue/queues';
import { ClaimCopies, COPY_RECORD } from '../claim-copies.service';
import { awardedOf, deadlinesOf, ledgerEntry, ledgersOf } from '../claim-records';
import { copyLedger, fromWireMoney, ledgerEntryOf } from '../claim-snapshot';
import { alertStillDue, deadlinePassesAt, deadlineTimeZone } from '../deadlines';
import { claimBalance } from '../ledger';
import { RestitutionClaimEntity } from '../restitution-claim.entity';
import { RESTITUTION_JOBS, RestitutionJobName } from './restitution.jobs';
import { findOrganisation } from '../../organisations/organisation-reads';

@Processor(QUEUES.restitution)
export class RestitutionProcessor extends ConfiguredWorkerHost {
  private readonly logger = new Logger(RestitutionProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly alerts: AlertsService,
    protected readonly appConfig: AppConfig,
    private readonly clock: Clock,
    private readonly outbox: OutboxService,
    private readonly copies: ClaimCopies,
  ) {
    super();
  }

  async process(job: Job<OutboxJobData, unknown, RestitutionJobName>): Promise<string> {
    const name = job.name;
    switch (name) {
      case RESTITUTION_JOBS.deadline: {
        const kind = String(job.data.kind);
        if (!(RESTITUTION_ALERT_KINDS as readonly string[]).includes(kind)) throw new UnrecoverableError('unknown restitution alert kind');
        let raised = false;
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          raised = await this.raiseIfDue(em, String(job.data.claimId), kind as RestitutionAlertKind, String(job.data.dueDate));
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, kind, raised }, name);
        return outcome;
      }
      case RESTITUTION_JOBS.copyDeadline: {
        const kind = String(job.data.kind);
        if (!(RESTITUTION_ALERT_KINDS as readonly string[]).includes(kind)) throw new UnrecoverableError('unknown restitution alert kind');
        let raised = false;
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          raised = await this.raiseOnCopyIfDue(em, String(job.data.copyId), kind as RestitutionAlertKind, String(job.data.dueDate));
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, kind, raised }, name);
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }

  /**
   * The same for a copy of a partner's claim (claim-copies.service.ts): raised here, for the organisation holding the
   * copy, only while the copy says it is responsible; a recalled copy, a moved date or a settled award raise nothing.
   */
  private async raiseOnCopyIfDue(em: EntityManager, copyId: string, kind: RestitutionAlertKind, dueDate: string): Promise<boolean> {
    const found = await this.copies.deadlineState(em, copyId);
    if (!found || found.content.snapshot.responsible !== 'receiver') return false;
    const { row, content } = found;
    const s = content.snapshot;
    const awarded = s.awarded ? fromWireMoney(s.awarded) : null;
    const balance = claimBalance(awarded, copyLedger(content).map(ledgerEntryOf));
    const timeZone = deadlineTimeZone(s.jurisdiction);
    const state = {
      status: s.status,
      deadlines: { filingDeadline: s.filingDeadline, appealDeadline: s.appealDeadline, paymentDueAt: s.paymentDueAt },
      outstandingMinor: awarded === null ? null : balance.outstanding.get(awarded.currency),
    };
    if (!alertStillDue({ kind, dueDate }, state, { now: this.clock.now(), timeZone })) return false;
    const { created } = await this.alerts.raise(em, {
      organisationId: row.holderOrganisationId,
      type: kind === 'payment_overdue' ? 'restitution_payment_overdue' : 'restitution_deadline',
      severity: kind.endsWith('_near') ? 'warning' : 'critical',
      recordType: COPY_RECORD,
      recordId: row.id,
      dueAt: deadlinePassesAt(dueDate, timeZone),
      details: { kind, dueDate, claimId: row.claimId, referralId: row.referralId },
      dedupeKey: `restitution_copy:${row.id}:${kind}:${dueDate}`,
    });
    return created;
  }

  /**
   * Raises the alert for the claim's responsible organisation if the claim, as it is now, still calls for it
   * (deadlines.ts alertStillDue): same date, a status in which the deadline matters, something still owed, and for a
   * "passed" alert the date really gone. A job for a moved deadline, a filed claim or a paid award raises nothing.
   */
  private async raiseIfDue(em: EntityManager, claimId: string, kind: RestitutionAlertKind, dueDate: string): Promise<boolean> {
    const claim = await em.findOne(RestitutionClaimEntity, { where: { id: claimId } });
    if (!claim) return false;
    const ledger = (await ledgersOf(em, [claimId])).get(claimId)!.map(ledgerEntry);
    const balance = claimBalance(awardedOf(claim), ledger);
    const timeZone = deadlineTimeZone(claim.jurisdiction);
    const state = {
      status: claim.status,
      deadlines: deadlinesOf(claim),
      outstandingMinor: claim.awardedMinor === null ? null : balance.outstanding.get(claim.currency),
    };
    if (!alertStillDue({ kind, dueDate }, state, { now: this.clock.now(), timeZone })) return false;
    // Deadlines belong to the responsible side: an organisation on a partner deployment is alerted there, not here.
    if (await findOrganisation(em, { id: claim.responsibleOrganisationId, node: 'remote' })) return false;

    // In the organisation that owns the case, a danger-flagged case's alert goes to its assignee only.
    const record = await caseDisclosureFacts(em, claim.caseId);
    const hidden = record !== null && record.dangerFlag && record.ownerOrganisationId === claim.responsibleOrganisationId;
    const { created } = await this.alerts.raise(em, {
      organisationId: claim.responsibleOrganisationId,
      type: kind === 'payment_overdue' ? 'restitution_payment_overdue' : 'restitution_deadline',
      severity: kind.endsWith('_near') ? 'warning' : 'critical',
      recordType: 'restitution_claim',
      recordId: claim.id,
      caseId: claim.caseId,
      dueAt: deadlinePassesAt(dueDate, timeZone),
      ...(hidden
        ? record.assignedCaseworkerId
          ? { assigneeUserId: record.assignedCaseworkerId }
          : { audience: 'supervisors' as const }
        : {}),
      details: { kind, dueDate },
      dedupeKey: `restitution:${claim.id}:${kind}:${dueDate}`,
    });
    // The responsible organisation's own systems hear of it (webhooks): ids, the deadline kind and date only.
    if (created) {
      await this.outbox.publish(em, {
        type: 'restitution.deadline_due',
        organisationId: claim.responsibleOrganisationId,
        data: { claimId: claim.id, deadline: kind, dueDate, status: claim.status },
        occurredAt: this.clock.now(),
      });
    }
    return created;
  }
}
