import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
} from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { Page } from '../common/http/pagination';
import { ConsentRecordsService } from './consent-records.service';
import { ConsentPageDto, ConsentResponseDto, CreateConsentDto, ListConsentsQueryDto, WithdrawConsentDto } from './dto/consent.dto';
import { Idempotent } from '../common/http/idempotent';
import { ApiConditionalGet } from '../common/http/etag';

const NOT_FOUND = { type: ErrorResponseDto, description: 'No such case or consent, or not visible to the caller' };

@ApiTags('consents')
@Controller('api/v1/cases/:id/consents')
export class ConsentsController {
  constructor(private readonly consents: ConsentRecordsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: "Record a person's consent for a case (who may receive which data, for what, until when)" })
  @Authorize(Permission.ConsentCreate)
  @ApiCreatedResponse({ type: ConsentResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED (with details per field) or CONSENT_GUARDIAN_REQUIRED' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description:
      'DANGER_FLAG_DISCLOSURE: a permit for another organisation on a danger-flagged case is recorded only by its assigned caseworker or under break-glass',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  create(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) caseId: string,
    @Body() dto: CreateConsentDto,
  ): Promise<ConsentResponseDto> {
    return this.consents.create(actor, caseId, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List the consents recorded for a case' })
  @Authorize(Permission.ConsentRead)
  @ApiOkResponse({ type: ConsentPageDto, description: 'Newest first, withdrawn ones included unless filtered' })
  @ApiNotFoundResponse(NOT_FOUND)
  list(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) caseId: string,
    @Query() query: ListConsentsQueryDto,
  ): Promise<Page<ConsentResponseDto>> {
    return this.consents.list(actor, caseId, query);
  }

  @Get(':consentId')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Read one consent with its provisions' })
  @Authorize(Permission.ConsentRead)
  @ApiOkResponse({ type: ConsentResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) caseId: string,
    @Param('consentId', ParseUUIDPipe) consentId: string,
  ): Promise<ConsentResponseDto> {
    return this.consents.get(actor, caseId, consentId);
  }

  @Post(':consentId/withdraw')
  @Idempotent()
  @ApiOperation({ summary: 'Withdraw a consent; referrals that rely on it are recalled' })
  @HttpCode(200)
  @Authorize(Permission.ConsentWithdraw)
  @ApiOkResponse({
    type: ConsentResponseDto,
    description: 'The consent with status withdrawn; referrals relying on it are recalled in the background',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED: reason is required' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CONSENT_ALREADY_WITHDRAWN' })
  withdraw(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) caseId: string,
    @Param('consentId', ParseUUIDPipe) consentId: string,
    @Body() dto: WithdrawConsentDto,
  ): Promise<ConsentResponseDto> {
    return this.consents.withdraw(actor, caseId, consentId, dto);
  }
}
