import { Module } from '@nestjs/common';
import { StatisticsExportService } from './statistics-export.service';
import { StatisticsController } from './statistics.controller';
import { StatisticsService } from './statistics.service';

@Module({ controllers: [StatisticsController], providers: [StatisticsService, StatisticsExportService], exports: [StatisticsService] })
export class StatisticsModule {}
