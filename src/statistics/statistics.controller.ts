import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { pageOf, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { StatisticsExportService } from './statistics-export.service';
import { StatisticsService } from './statistics.service';

const PERIOD_QUERY = { name: 'period', required: true, description: 'A year (2026) or a quarter (2026-Q3)', example: '2026-Q1' };

/** Anonymised statistics for oversight bodies: a fixed catalogue of protected tables, and the k-anonymised export. */
@ApiTags('statistics')
@Controller('api/v1/statistics')
export class StatisticsController {
  constructor(
    private readonly statistics: StatisticsService,
    private readonly exports: StatisticsExportService,
    private readonly config: AppConfig,
  ) {}

  @Get('tables')
  @ApiOperation({ summary: 'The catalogue of statistics tables' })
  @Authorize(Permission.StatisticsRead)
  @ApiOkResponse({
    description:
      'The page envelope of every list: { items: [{ tableId, title, counts, dimensions, periods, minimumCellSize }], total, page, limit }',
  })
  tables(@Query() query: PageQueryDto) {
    return pageOf(this.statistics.catalogue().items, query, this.config.http.listLimitMax);
  }

  @Get('tables/:tableId')
  @ApiOperation({ summary: 'One protected table for a period (frozen once the period has closed)' })
  @Authorize(Permission.StatisticsRead)
  @ApiQuery(PERIOD_QUERY)
  @ApiOkResponse({
    description:
      '{ tableId, period, provisional, dataCutoff, minimumCellSize, rows }; suppressed counts are null. ETag = sha256 of the bytes',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_INVALID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'STATISTICS_TABLE_NOT_FOUND' })
  async table(
    @Actor() actor: ActorShape,
    @Param('tableId') tableId: string,
    @Query('period') period: unknown,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<Buffer> {
    const release = await this.statistics.table(actor, tableId, period);
    void reply.header('Content-Type', 'application/json; charset=utf-8');
    void reply.header('ETag', `"${release.sha256}"`);
    return release.body;
  }

  @Get('exports/htcds')
  @ApiOperation({ summary: 'Anonymised record-level export in the CTDC global-dataset layout (k = 11), closed periods only' })
  @Authorize(Permission.StatisticsExport)
  @ApiQuery(PERIOD_QUERY)
  @ApiProduces('text/csv')
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiOkResponse({ description: 'CSV, one row per record that survives k-anonymisation, in a keyed pseudo-random order' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_INVALID' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_OPEN' })
  async htcds(@Actor() actor: ActorShape, @Query('period') period: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const stream = await this.exports.htcds(actor, period);
    void reply.header('Content-Disposition', 'attachment; filename="lintas-htcds.csv"');
    return stream;
  }
}
