import { Module } from '@nestjs/common';
import { StatisticsProcessor } from './jobs/statistics.processor';
import { StatisticsExportJobs } from './statistics-export-jobs.service';
import { StatisticsExportService } from './statistics-export.service';
import { StatisticsController } from './statistics.controller';
import { StatisticsService } from './statistics.service';

@Module({
  controllers: [StatisticsController],
  providers: [StatisticsService, StatisticsExportService, StatisticsExportJobs],
  exports: [StatisticsService],
})
export class StatisticsModule {}

/** The worker's part: releases precomputed by a daily job, so requests only read them. */
@Module({ providers: [StatisticsService, StatisticsExportService, StatisticsExportJobs, StatisticsProcessor] })
export class StatisticsWorkerModule {}
