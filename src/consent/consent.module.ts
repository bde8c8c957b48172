import { Module } from '@nestjs/common';
import { DisclosureModule } from '../disclosure/disclosure.module';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { ConsentRecordsService } from './consent-records.service';
import { ConsentModule } from './consent-core.module';
import { ConsentsController } from './consents.controller';
import { ConsentProcessor } from './jobs/consent.processor';

export { ConsentModule };

/** The consent routes under /api/v1/cases/{id}/consents. */
@Module({
  imports: [ConsentModule, CasesModule, AlertsModule, DisclosureModule],
  controllers: [ConsentsController],
  providers: [ConsentRecordsService],
  exports: [ConsentModule, ConsentRecordsService],
})
export class ConsentApiModule {}

/** The worker's part: the consent queue (expiry checks). */
@Module({ imports: [ConsentModule, AlertsModule], providers: [ConsentProcessor] })
export class ConsentWorkerModule {}
