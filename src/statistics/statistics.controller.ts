import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { locationHeader } from '../common/http/etag';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { CreateExportJobDto, ExportJobDto } from './dto/export-job.dto';
import { StatisticsExportJobs } from './statistics-export-jobs.service';
import { pageOf, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { StatisticsExportService } from './statistics-export.service';
import { StatisticsService } from './statistics.service';
import { HTCDS_COLUMNS } from './htcds-export';

const PERIOD_QUERY = {
  name: 'period',
  required: true,
  description: 'A year (2026) or a quarter (2026-Q3)',
  schema: { type: 'string' as const, maxLength: 7, pattern: '^[0-9]{4}(-Q[1-4])?$', example: '2026-Q1' },
};

/** The first line of every export (the CTDC columns); each surviving record follows as one line. */
const CSV_EXAMPLE = HTCDS_COLUMNS.join(',') + '\n';

/** Anonymised statistics for oversight bodies: a fixed catalogue of protected tables, and the k-anonymised export. */
@ApiTags('statistics')
@Controller('api/v1/statistics')
export class StatisticsController {
  constructor(
    private readonly statistics: StatisticsService,
    private readonly exports: StatisticsExportService,
    private readonly exportJobs: StatisticsExportJobs,
    private readonly config: AppConfig,
  ) {}

  @Get('tables')
  @ApiOperation({ summary: 'The catalogue of statistics tables' })
  @Authorize(Permission.StatisticsRead)
  @ApiOkResponse({
    description:
      'The page envelope of every list: { items: [{ tableId, title, counts, dimensions, periods, minimumCellSize }], total, page, limit }',
    schema: {
      type: 'object',
      required: ['items', 'total', 'page', 'limit'],
      properties: {
        items: { type: 'array', maxItems: 1000, items: { type: 'object', additionalProperties: true } },
        total: { type: 'integer', format: 'int32', minimum: 0, maximum: 1000 },
        page: { type: 'integer', format: 'int32', minimum: 1, maximum: 100000 },
        limit: { type: 'integer', format: 'int32', minimum: 1, maximum: 100 },
      },
    },
  })
  tables(@Query() query: PageQueryDto) {
    return pageOf(this.statistics.catalogue().items, query, this.config.http.listLimitMax);
  }

  @Get('tables/:tableId')
  @ApiOperation({ summary: 'One protected table for a period (frozen once the period has closed)' })
  @Authorize(Permission.StatisticsRead)
  @ApiQuery(PERIOD_QUERY)
  @ApiParam({
    name: 'tableId',
    description: 'A table of the catalogue (GET /tables)',
    schema: { type: 'string', maxLength: 100, pattern: '^[a-z0-9_.-]+$' },
  })
  @ApiOkResponse({
    description:
      '{ tableId, period, provisional, dataCutoff, minimumCellSize, rows }; suppressed counts are null. ETag = sha256 of the bytes',
    schema: {
      type: 'object',
      required: ['tableId', 'period', 'provisional', 'dataCutoff', 'minimumCellSize', 'rows'],
      properties: {
        tableId: { type: 'string', maxLength: 100, example: 'cases-by-exploitation-type' },
        period: { type: 'string', maxLength: 7, example: '2025-Q3' },
        provisional: { type: 'boolean' },
        dataCutoff: { type: 'string', format: 'date-time', maxLength: 24 },
        minimumCellSize: { type: 'integer', format: 'int32', minimum: 5, maximum: 1000 },
        rows: {
          type: 'array',
          maxItems: 100000,
          description: 'One object per published row: its dimensions, its counts (null when suppressed) and measures',
          items: { type: 'object', additionalProperties: true },
        },
      },
    },
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

  @Post('exports')
  @ApiOperation({ summary: 'Ask for a closed period’s anonymised record-level export as a background job (the way to export)' })
  @HttpCode(202)
  @Authorize(Permission.StatisticsExport)
  @ApiAcceptedResponse({
    type: ExportJobDto,
    description: 'Queued; Location names the job. Poll it, then download',
    headers: locationHeader('/api/v1/statistics/exports/0b5e3f4a-8c1d-4e2f-9a7b-6c5d4e3f2a1b'),
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED or STATISTICS_PERIOD_INVALID' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_OPEN' })
  async requestExport(
    @Actor() actor: ActorShape,
    @Body() dto: CreateExportJobDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ExportJobDto> {
    const job = await this.exportJobs.request(actor, dto);
    void reply.header('Location', `/api/v1/statistics/exports/${job.id}`);
    return job;
  }

  @Get('exports/:id')
  @ApiOperation({ summary: 'An export job: queued, running with a percentage, done, or failed with a reason' })
  @Authorize(Permission.StatisticsExport)
  @ApiOkResponse({ type: ExportJobDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Missing, or another organisation’s' })
  exportJob(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<ExportJobDto> {
    return this.exportJobs.get(actor, id);
  }

  @Get('exports/:id/download')
  @ApiOperation({ summary: 'The CSV of a done export job: the frozen export, byte-identical on every download' })
  @Authorize(Permission.StatisticsExport)
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiOkResponse({
    description: 'CSV named lintas-htcds-<period>.csv',
    // Only the success is CSV: errors are the usual JSON body.
    content: {
      'text/csv': {
        schema: { type: 'string', maxLength: 2147483647 },
        example: CSV_EXAMPLE,
      },
    },
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Missing, or another organisation’s' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'STATISTICS_EXPORT_NOT_READY' })
  async downloadExport(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { period, stream } = await this.exportJobs.download(actor, id);
    void reply.header('Content-Disposition', `attachment; filename="lintas-htcds-${period}.csv"`);
    return stream;
  }

  @Get('exports/htcds')
  @ApiOperation({
    summary:
      'Anonymised record-level export in the CTDC global-dataset layout (k = 11), closed periods only, synchronous (small periods; prefer POST /exports)',
  })
  @Authorize(Permission.StatisticsExport)
  @ApiQuery(PERIOD_QUERY)
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiOkResponse({
    description: 'CSV, one row per record that survives k-anonymisation, in a keyed pseudo-random order',
    // Only the success is CSV: errors are the usual JSON body.
    content: { 'text/csv': { schema: { type: 'string', maxLength: 2147483647 }, example: CSV_EXAMPLE } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_INVALID' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_OPEN' })
  async htcds(@Actor() actor: ActorShape, @Query('period') period: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const stream = await this.exports.htcds(actor, period);
    void reply.header('Content-Disposition', 'attachment; filename="lintas-htcds.csv"');
    return stream;
  }
}
