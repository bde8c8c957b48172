import { Module } from '@nestjs/common';
import { AlertsModule } from '../alerts/alerts.module';
import { CasesController } from './cases.controller';
import { CasesService } from './cases.service';

@Module({ imports: [AlertsModule], controllers: [CasesController], providers: [CasesService], exports: [CasesService] })
export class CasesModule {}
