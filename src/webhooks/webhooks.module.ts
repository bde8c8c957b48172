import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { WebhooksProcessor } from './jobs/webhooks.processor';
import { WebhookDispatch } from './webhook-dispatch.service';
import { WebhookSecrets } from './webhook-secrets';
import { WebhookSender } from './webhook-sender';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

const CORE = [WebhookSecrets, WebhookSender, WebhookDispatch];

/** The API side: the org admins' routes. */
@Module({ imports: [AlertsModule], controllers: [WebhooksController], providers: [...CORE, WebhooksService] })
export class WebhooksModule {}

/** The worker side: the fan-out of public events and the delivery attempts. */
@Module({ imports: [AlertsModule], providers: [...CORE, WebhooksProcessor] })
export class WebhooksWorkerModule {}
