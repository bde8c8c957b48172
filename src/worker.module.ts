import { Module } from '@nestjs/common';
import { AlertsModule } from './alerts/alerts.module';
import { AuditModule } from './audit/audit.module';
import { AuditWorkerModule } from './audit/audit-worker.module';
import { ClockModule } from './common/clock';
import { LoggingModule } from './common/logging/logging.module';
import { ConfigModule } from './config/config.module';
import { ConsentModule, ConsentWorkerModule } from './consent/consent.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { FederationWorkerModule } from './federation/federation-worker.module';
import { OutboxModule } from './outbox/outbox.module';
import { OutboxRelay } from './outbox/outbox.relay';
import { QueueModule } from './queue/queue.module';
import { ReferralsWorkerModule } from './referrals/referrals.module';
import { RestitutionProcessor } from './restitution/jobs/restitution.processor';
import { RestitutionSharingModule } from './restitution/restitution-sharing.module';
import { RestitutionHoldingsModule } from './restitution/restitution-holdings.module';
import { StatisticsWorkerModule } from './statistics/statistics.module';
import { SystemProcessor } from './system/system.processor';
import { WorkerHeartbeat } from './system/worker-heartbeat';
import { WebhooksWorkerModule } from './webhooks/webhooks.module';
import { NotificationsWorkerModule } from './notifications/notifications.module';

/**
 * The worker process: the outbox relay and the BullMQ processors. No HTTP. CryptoModule: remote delivery decrypts the
 * identity fields a packet's consented categories need.
 */
@Module({
  imports: [
    ConfigModule,
    ClockModule,
    LoggingModule,
    DatabaseModule,
    QueueModule,
    OutboxModule,
    AuditModule,
    AuditWorkerModule,
    AlertsModule,
    ConsentModule,
    RestitutionHoldingsModule,
    RestitutionSharingModule,
    CryptoModule,
    ConsentWorkerModule,
    FederationWorkerModule,
    ReferralsWorkerModule,
    StatisticsWorkerModule,
    WebhooksWorkerModule,
    NotificationsWorkerModule,
  ],
  providers: [OutboxRelay, SystemProcessor, RestitutionProcessor, WorkerHeartbeat],
})
export class WorkerModule {}
