import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { ReferralWorkflow } from './referral-workflow.service';

/** The referral unit of work without HTTP or decryption: for the API and for the worker (delivery, deadlines, recall). */
@Module({ imports: [AlertsModule, DisclosureModule], providers: [ReferralWorkflow], exports: [ReferralWorkflow, DisclosureModule] })
export class ReferralsCoreModule {}
