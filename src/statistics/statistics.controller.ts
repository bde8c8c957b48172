import { Controller, Get, Header, Param, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
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
  ) {}

  @Get('tables')
  @ApiOperation({ summary: 'The catalogue of statistics tables' })
  @Authorize(Permission.StatisticsRead)
  @ApiOkResponse({
    description: '{ items: [{ tableId, title, counts, dimensions, periods, minimumCellSize }] }',
    schema: {
      type: 'object',
      required: ['items'],
      properties: { items: { type: 'array', maxItems: 1000, items: { type: 'object', additionalProperties: true } } },
    },
  })
  tables() {
    return this.statistics.catalogue();
  }

  @Get('tables/:tableId')
  @ApiOperation({ summary: 'One protected table for a period (frozen once the period has closed)' })
  @Authorize(Permission.StatisticsRead)
  @ApiQuery(PERIOD_QUERY)
  @ApiOkResponse({
    description:
      '{ tableId, period, provisional, dataCutoff, minimumCellSize, rows }; suppressed counts are null. ETag = sha256 of the bytes',
    schema: {
      type: 'object',
      required: ['tableId', 'period', 'provisional', 'dataCutoff', 'minimumCellSize', 'rows'],
      properties: {
        tableId: { type: 'string', maxLength: 100 },
        period: { type: 'string', maxLength: 7, example: '2025-Q3' },
        provisional: { type: 'boolean' },
        dataCutoff: { type: 'string', format: 'date-time' },
        minimumCellSize: { type: 'integer', minimum: 5 },
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

  @Get('exports/htcds')
  @ApiOperation({ summary: 'Anonymised record-level export in the CTDC global-dataset layout (k = 11), closed periods only' })
  @Authorize(Permission.StatisticsExport)
  @ApiQuery(PERIOD_QUERY)
  @Header('Content-Type', 'text/csv; charset=utf-8')
  @ApiOkResponse({
    description: 'CSV, one row per record that survives k-anonymisation, in a keyed pseudo-random order',
    // Only the success is CSV: errors are the usual JSON body.
    content: { 'text/csv': { schema: { type: 'string', maxLength: 2147483647 } } },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_INVALID' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'STATISTICS_PERIOD_OPEN' })
  async htcds(@Actor() actor: ActorShape, @Query('period') period: unknown, @Res({ passthrough: true }) reply: FastifyReply) {
    const stream = await this.exports.htcds(actor, period);
    void reply.header('Content-Disposition', 'attachment; filename="lintas-htcds.csv"');
    return stream;
  }
}
