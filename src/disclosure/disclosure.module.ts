import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { DisclosureGate } from './disclosure-gate.service';

/**
 * The disclosure gate: imported by every module through which a person's data can reach another organisation. Its
 * ConsentPermitReader comes from the consent module (ConsentModule, global), which the API and the worker import.
 */
@Module({ imports: [AlertsModule], providers: [DisclosureGate], exports: [DisclosureGate] })
export class DisclosureModule {}
