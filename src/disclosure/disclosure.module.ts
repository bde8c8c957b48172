import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { ConsentModule } from '../consent/consent-core.module';
import { DisclosureGate } from './disclosure-gate.service';

/** The disclosure gate: imported by every module through which a person's data can reach another organisation. */
@Module({ imports: [ConsentModule, AlertsModule], providers: [DisclosureGate], exports: [DisclosureGate] })
export class DisclosureModule {}
