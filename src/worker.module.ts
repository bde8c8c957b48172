import { Module } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { LoggingModule } from './common/logging/logging.module';
import { ConfigModule } from './config/config.module';
import { DatabaseModule } from './database/database.module';
import { OutboxModule } from './outbox/outbox.module';
import { OutboxRelay } from './outbox/outbox.relay';
import { QueueModule } from './queue/queue.module';
import { SystemProcessor } from './system/system.processor';

/** The worker process: the outbox relay and the BullMQ processors. No HTTP. */
@Module({
  imports: [ConfigModule, LoggingModule, DatabaseModule, QueueModule, OutboxModule, AuditModule, AlertsModule],
  providers: [OutboxRelay, SystemProcessor],
})
export class WorkerModule {}
