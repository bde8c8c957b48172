import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { ConsentRecordsService } from './consent-records.service';
import { ConsentService } from './consent.service';
import { ConsentsController } from './consents.controller';

/** The consent gate (ConsentService.evaluate / permittedCategories) for any module, in the API and in the worker. */
@Module({ providers: [ConsentService], exports: [ConsentService] })
export class ConsentModule {}

/** The consent routes under /api/v1/cases/{id}/consents. */
@Module({
  imports: [ConsentModule, CasesModule, AlertsModule],
  controllers: [ConsentsController],
  providers: [ConsentRecordsService],
  exports: [ConsentModule],
})
export class ConsentApiModule {}
