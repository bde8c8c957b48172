import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { OutboxService } from '../outbox/outbox.service';
import { deadlinesOf } from './claim-records';
import { alertMoments, deadlineTimeZone } from './deadlines';
import { RESTITUTION_JOBS } from './jobs/restitution.jobs';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/** The delayed jobs that raise a claim's deadline alerts, written in the caller's transaction through the outbox. */
@Injectable()
export class ClaimDeadlineJobs {
  constructor(
    private readonly config: AppConfig,
    private readonly outbox: OutboxService,
  ) {}

  /**
   * One delayed job per alert moment of the claim's deadlines (deadlines.ts). Jobs written for earlier dates stay
   * queued and find nothing to do when they run; the alerts' dedupe key keeps a re-scheduled moment from raising twice.
   */
  async schedule(em: EntityManager, claim: RestitutionClaimEntity, correlationId: string | null): Promise<number> {
    const moments = alertMoments(deadlinesOf(claim), {
      now: new Date(),
      leadDays: this.config.restitution.reminderLeadDays,
      timeZone: deadlineTimeZone(claim.jurisdiction),
    });
    for (const m of moments) {
      await this.outbox.add(em, {
        type: RESTITUTION_JOBS.deadline,
        payload: { claimId: claim.id, kind: m.kind, dueDate: m.dueDate },
        correlationId: correlationId ?? undefined,
        availableAt: m.at,
      });
    }
    return moments.length;
  }
}
