import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { UserDirectory } from '../users/user-directory';
import { NotificationsProcessor } from './jobs/notifications.processor';
import { Mailer } from './mailer';
import { NotificationDispatch } from './notification-dispatch.service';
import { NotificationPreferences } from './notification-preferences.service';
import { NotificationsController } from './notifications.controller';

/** The API side: preferences and the organisation's default. The Mailer says at boot whether e-mail is on. */
@Module({ controllers: [NotificationsController], providers: [NotificationPreferences, Mailer] })
export class NotificationsModule {}

/** The worker side: e-mail per alert and the daily digest. */
@Module({
  imports: [AlertsModule],
  providers: [NotificationPreferences, Mailer, UserDirectory, NotificationDispatch, NotificationsProcessor],
})
export class NotificationsWorkerModule {}
