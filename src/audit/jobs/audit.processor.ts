import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { processOnce } from '../../outbox/outbox-job';
import { QUEUES } from '../../queue/queues';
import { AuditSealer } from '../audit-sealer';
import { AuditJobData, AuditJobName } from './audit.jobs';

/**
 * Seals and checkpoints the audit chain. One job at a time per worker, deliberately (not ConfiguredWorkerHost's
 * WORKER_CONCURRENCY): sealing is serial by nature, and across workers the chain lock serialises it anyway.
 */
@Processor(QUEUES.audit, { concurrency: 1 })
export class AuditProcessor extends WorkerHost {
  private readonly logger = new Logger(AuditProcessor.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly sealer: AuditSealer,
  ) {
    super();
  }

  async process(job: Job<AuditJobData, unknown, AuditJobName>): Promise<unknown> {
    const name = job.name;
    let result: unknown;
    switch (name) {
      case 'audit.seal': {
        const outcome = await this.sealer.sealPending();
        if (outcome.sealed > 0)
          this.logger.debug({ sealed: outcome.sealed, head: outcome.head, checkpoint: outcome.checkpoint }, 'audit.seal');
        result = outcome;
        break;
      }
      case 'audit.checkpoint': {
        const seq = await this.sealer.checkpointIfAdvanced();
        if (seq !== null) this.logger.debug({ chainSeq: seq }, 'audit.checkpoint');
        result = { checkpoint: seq };
        break;
      }
      default: {
        const unknown: never = name;
        throw new UnrecoverableError(`unknown job ${String(unknown)}`);
      }
    }
    // Asked for through the outbox ("seal now"): the work is idempotent, the mark only stops the relay re-sending it.
    if (job.data?.outboxId) await processOnce(this.dataSource, job.data.outboxId, () => Promise.resolve());
    return result;
  }
}
