import { Module } from '@nestjs/common';
import { CasesModule } from '../cases/cases.module';
import { ConsentApiModule } from '../consent/consent.module';
import { ReferralsModule } from '../referrals/referrals.module';
import { RestitutionModule } from '../restitution/restitution.module';
import { RightsController } from './rights.controller';
import { SubjectAccessService } from './subject-access.service';

/** The person's rights of access: recipients and the subject-access report (docs/rights.md). */
@Module({
  imports: [CasesModule, ConsentApiModule, RestitutionModule, ReferralsModule],
  controllers: [RightsController],
  providers: [SubjectAccessService],
})
export class RightsModule {}
