import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import { AlertsApiModule } from './alerts/alerts.module';
import { AuthModule } from './auth/auth.module';
import { USERS_WITH_SESSIONS } from './auth/users-with-sessions';
import { TokenService } from './auth/token.service';
import { BootstrapModule } from './bootstrap/bootstrap.module';
import { CasesModule } from './cases/cases.module';
import { AccessTokenVerifier } from './common/auth/access-token';
import { SessionActorLookup } from './auth/session-actor-lookup';
import { ActorLookup, AuthGuard } from './common/auth/auth.guard';
import { throttlerOptions } from './throttle-options';
import { AuditApiModule } from './audit/audit-api.module';
import { AuditModule } from './audit/audit.module';
import { ClockModule } from './common/clock';
import { LoggingModule } from './common/logging/logging.module';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { ConsentApiModule } from './consent/consent.module';
import { CryptoModule } from './crypto/crypto.module';
import { DatabaseModule } from './database/database.module';
import { FederationModule } from './federation/federation.module';
import { HealthModule } from './health/health.module';
import { IdempotencyModule } from './idempotency/idempotency.module';
import { LanguagesModule } from './languages/languages.module';
import { OrganisationsModule } from './organisations/organisations.module';
import { OutboxModule } from './outbox/outbox.module';
import { QueueModule } from './queue/queue.module';
import { ReferralsModule } from './referrals/referrals.module';
import { StatisticsModule } from './statistics/statistics.module';
import { RestitutionModule } from './restitution/restitution.module';
import { RestitutionHoldingsModule } from './restitution/restitution-holdings.module';
import { RightsModule } from './rights/rights.module';
import { ChangesModule } from './changes/changes.module';
import { SystemController } from './system/system.controller';
import { WebhooksModule } from './webhooks/webhooks.module';
import { NotificationsModule } from './notifications/notifications.module';

/** The API process. */
@Module({
  imports: [
    ConfigModule,
    ClockModule,
    LoggingModule,
    DatabaseModule,
    QueueModule,
    ThrottlerModule.forRootAsync({ inject: [AppConfig], useFactory: (config: AppConfig) => throttlerOptions(config) }),
    OutboxModule,
    AuditModule,
    AuditApiModule,
    CryptoModule,
    IdempotencyModule,
    AuthModule,
    OrganisationsModule,
    USERS_WITH_SESSIONS,
    CasesModule,
    ConsentApiModule,
    RestitutionModule,
    RestitutionHoldingsModule,
    AlertsApiModule,
    ReferralsModule,
    RightsModule,
    ChangesModule,
    // Federation's inbound referral routes hand verified packets to the referrals module (ReferralFederationPort).
    FederationModule.forRoot(ReferralsModule),
    StatisticsModule,
    WebhooksModule,
    NotificationsModule,
    HealthModule,
    LanguagesModule,
    BootstrapModule,
  ],
  controllers: [SystemController],
  providers: [
    { provide: APP_GUARD, useClass: ThrottlerGuard },
    // The guard (common/) reads the actor behind a token through the auth module's look-up.
    { provide: ActorLookup, useClass: SessionActorLookup },
    // The guard (common/) verifies tokens through the auth module's TokenService.
    { provide: AccessTokenVerifier, useExisting: TokenService },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
})
export class AppModule {}
