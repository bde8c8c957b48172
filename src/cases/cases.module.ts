import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { BreakGlassService } from './break-glass.service';
import { CaseAccessLog } from './case-access-log.service';
import { CaseCorrections } from './case-corrections.service';
import { CaseAccessService } from './case-access.service';
import { CaseKeys } from './case-keys.service';
import { CaseBlindIndexRotation } from './case-blind-index';
import { CaseReads } from './case-reads.service';
import { CaseReferences } from './case-references';
import { CaseRestrictions } from './case-restrictions.service';
import { CasesController } from './cases.controller';
import { CasesService } from './cases.service';

/** Other modules use CasesService (access, disclosure reads, ownership) and CaseKeys (text sealed under a case's key). */
@Module({
  imports: [AlertsModule],
  controllers: [CasesController],
  providers: [
    CaseKeys,
    CaseBlindIndexRotation,
    CaseAccessService,
    CaseReferences,
    CaseReads,
    BreakGlassService,
    CaseAccessLog,
    CaseRestrictions,
    CaseCorrections,
    CasesService,
  ],
  exports: [CasesService, CaseKeys, CaseBlindIndexRotation, CaseRestrictions, CaseCorrections, CaseReads],
})
export class CasesModule {}
