import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiTags, ApiOperation } from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { Page } from '../common/http/pagination';
import { AlertsService } from './alerts.service';
import { AlertPageDto, AlertResponseDto, ListAlertsQueryDto, ResolveAlertDto } from './dto/alert.dto';
import { Idempotent } from '../common/http/idempotent';

/** The organisation's action-needed list. */
@ApiTags('alerts')
@Controller('api/v1/alerts')
export class AlertsController {
  constructor(private readonly alerts: AlertsService) {}

  @Get()
  @ApiOperation({ summary: "The organisation's action-needed list" })
  @Authorize(Permission.AlertRead)
  @ApiOkResponse({
    type: AlertPageDto,
    description: 'The caller\u2019s organisation only; open alerts unless status=resolved; most urgent first',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  list(@Actor() actor: ActorShape, @Query() query: ListAlertsQueryDto): Promise<Page<AlertResponseDto>> {
    return this.alerts.list(actor, query);
  }

  @Post(':id/resolve')
  @Idempotent()
  @ApiOperation({ summary: 'Resolve an alert' })
  @HttpCode(200)
  @Authorize(Permission.AlertResolve)
  @ApiOkResponse({ type: AlertResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'Missing, or not the caller\u2019s organisation\u2019s' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'ALERT_ALREADY_RESOLVED, or ALERT_SELF_REVIEW (like BREAK_GLASS_SELF_REVIEW: another person must resolve it)',
  })
  resolve(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ResolveAlertDto): Promise<AlertResponseDto> {
    return this.alerts.resolve(actor, id, dto);
  }
}
