import { Module } from '@nestjs/common';
import { AuditSealer } from './audit-sealer';
import { AuditProcessor } from './jobs/audit.processor';
import { AuditScheduler } from './jobs/audit.scheduler';

/** The worker side of the audit log: sealing the hash chain every second and signing checkpoints. */
@Module({ providers: [AuditSealer, AuditProcessor, AuditScheduler], exports: [AuditSealer] })
export class AuditWorkerModule {}
