import { Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { LoggingModule } from './common/logging/logging.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { FederationProcessor } from './federation/federation.processor';
import { OutboxModule } from './outbox/outbox.module';
import { OutboxRelay } from './outbox/outbox.relay';
import { QueueModule } from './queue/queue.module';
import { SystemProcessor } from './system/system.processor';

/** The worker process: the outbox relay and the BullMQ processors. No HTTP. */
@Module({
  imports: [ConfigModule, LoggingModule, DatabaseModule, QueueModule, OutboxModule, AuditModule],
  providers: [OutboxRelay, SystemProcessor, FederationProcessor],
})
export class WorkerModule {}
