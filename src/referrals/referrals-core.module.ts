import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ConsentModule } from '../consent/consent.module';
import { ReferralWorkflow } from './referral-workflow.service';

/** The referral unit of work without HTTP or decryption: for the API and for the worker (delivery, deadlines, recall). */
@Module({ imports: [AlertsModule, ConsentModule], providers: [ReferralWorkflow], exports: [ReferralWorkflow] })
export class ReferralsCoreModule {}
