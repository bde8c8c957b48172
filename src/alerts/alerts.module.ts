import { Module } from '@nestjs/common';
import { AlertsController } from './alerts.controller';
import { AlertsService } from './alerts.service';

/**
 * AlertsService for any module that raises alerts, in the API and in the worker. The worker imports this module;
 * the API imports AlertsApiModule, which adds the routes.
 */
@Module({ providers: [AlertsService], exports: [AlertsService] })
export class AlertsModule {}

@Module({ imports: [AlertsModule], controllers: [AlertsController], exports: [AlertsModule] })
export class AlertsApiModule {}
