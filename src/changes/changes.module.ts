import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesModule } from '../cases/cases.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { RestitutionModule } from '../restitution/restitution.module';
import { ChangeVisibility } from './change-visibility.service';
import { ChangesController } from './changes.controller';
import { ChangesService } from './changes.service';

/**
 * The change feed (GET /api/v1/changes, docs/sync.md §3). Its log is written by database triggers in the transaction
 * of each change (migration ChangeFeed1796080000000), so no module's write path calls into this one; reading, it asks
 * the modules that own the records who may see them.
 */
@Module({
  imports: [CasesModule, ReferralsModule, RestitutionModule, AlertsModule],
  controllers: [ChangesController],
  providers: [ChangesService, ChangeVisibility],
  exports: [ChangesService],
})
export class ChangesModule {}
