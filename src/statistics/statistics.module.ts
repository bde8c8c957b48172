import { Module } from '@nestjs/common';
import { StatisticsProcessor } from './jobs/statistics.processor';
import { StatisticsExportService } from './statistics-export.service';
import { StatisticsController } from './statistics.controller';
import { StatisticsService } from './statistics.service';

@Module({ controllers: [StatisticsController], providers: [StatisticsService, StatisticsExportService], exports: [StatisticsService] })
export class StatisticsModule {}

/** The worker's part: releases precomputed by a daily job, so requests only read them. */
@Module({ providers: [StatisticsService, StatisticsProcessor] })
export class StatisticsWorkerModule {}
