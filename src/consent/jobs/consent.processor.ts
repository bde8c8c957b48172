import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../../alerts/alerts.service';
import { caseDisclosureFacts } from '../../cases/case-facts';
import { findOrganisation } from '../../organisations/organisation-reads';
import { OutboxJobData, processOnce } from '../../outbox/outbox-job';
import { QUEUES } from '../../queue/queues';
import { evaluateConsent } from '../consent-evaluator';
import { ConsentService } from '../consent.service';
import { ConsentEntity } from '../consent.entity';
import { CONSENT_JOBS, ConsentJobName } from './consent.jobs';

/** A recipient id no organisation has: asks the evaluator about a whole country without matching any one organisation. */
const NO_ORGANISATION = '00000000-0000-0000-0000-000000000000';

/**
 * The consent queue: expiry checks. A withdrawal is published as consent.withdrawn and handled by the modules that
 * react to it (the referrals queue recalls what relied on the consent), not here.
 */
@Processor(QUEUES.consent)
export class ConsentProcessor extends WorkerHost {
  private readonly logger = new Logger(ConsentProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly consents: ConsentService,
    private readonly alerts: AlertsService,
  ) {
    super();
  }

  async process(job: Job<OutboxJobData, unknown, Exclude<ConsentJobName, typeof CONSENT_JOBS.withdrawn>>): Promise<string> {
    const name = job.name;
    switch (name) {
      case CONSENT_JOBS.expiryCheck: {
        const consentId = String(job.data.consentId);
        const provisionIndex = Number(job.data.provisionIndex);
        let raised = false;
        const outcome = await processOnce(this.dataSource, job.data.outboxId, async (em) => {
          raised = await this.raiseIfExpiring(em, consentId, provisionIndex);
        });
        this.logger.log({ jobId: job.id, correlationId: job.data.correlationId, outcome, raised }, name);
        return outcome;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
  }

  /**
   * Raises consent_expiring for the case's owning organisation, unless the consent was withdrawn meanwhile or is
   * renewed: renewed means that just after this provision ends, the case's consents still permit every one of its
   * purpose × category pairs to the same recipient.
   */
  private async raiseIfExpiring(em: EntityManager, consentId: string, provisionIndex: number): Promise<boolean> {
    const consent = await em.findOne(ConsentEntity, { where: { id: consentId }, relations: { provisions: true } });
    const provision = consent?.provisions?.find((p) => p.position === provisionIndex);
    if (!consent || !provision || consent.status !== 'active' || provision.effect !== 'permit') return false;

    const after = new Date(provision.validUntil.getTime() + 1);
    const all = await this.consents.forCase(em, consent.caseId);
    const recipientOrganisationId = provision.recipientOrganisationId ?? NO_ORGANISATION;
    const recipientCountry =
      provision.recipientCountry ??
      (provision.recipientOrganisationId ? await findOrganisation(em, { id: provision.recipientOrganisationId }) : null)?.country ??
      '';
    const renewed = provision.purposes.every((purpose) =>
      provision.dataCategories.every(
        (category) =>
          evaluateConsent(all, { recipientOrganisationId, recipientCountry, purpose, category, at: after }).decision === 'permit',
      ),
    );
    if (renewed) return false;

    // Who owns the case now (ownership can move with a referral); a danger-flagged case's alert goes to its assignee only.
    const record = await caseDisclosureFacts(em, consent.caseId);
    if (!record) return false;
    const { created } = await this.alerts.raise(em, {
      organisationId: record.ownerOrganisationId,
      type: 'consent_expiring',
      recordType: 'consent',
      recordId: consent.id,
      caseId: consent.caseId,
      dueAt: provision.validUntil,
      ...(record.dangerFlag
        ? record.assignedCaseworkerId
          ? { assigneeUserId: record.assignedCaseworkerId }
          : { audience: 'supervisors' as const }
        : {}),
      details: { provisionIndex },
      dedupeKey: `consent_expiring:${consent.id}:${provisionIndex}`,
    });
    return created;
  }
}
