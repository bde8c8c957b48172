import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { ApiConditionalGet, ApiRequiresIfMatch, locationHeader, versionFromIfMatch } from '../common/http/etag';
import { Page, pageOf, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import {
  CreateRestitutionClaimDto,
  ListClaimsQueryDto,
  ListPaymentsQueryDto,
  MoveResponsibilityDto,
  RecordPaymentDto,
  UpdateRestitutionClaimDto,
} from './dto/restitution-input.dto';
import {
  PaymentPageDto,
  PaymentResponseDto,
  RecordedPaymentResponseDto,
  ResponsibilityPageDto,
  ResponsibilityPeriodDto,
  ResponsibilityResponseDto,
  RestitutionClaimPageDto,
  RestitutionClaimResponseDto,
  RestitutionSummaryDto,
} from './dto/restitution-response.dto';
import { ClaimResponsibility } from './claim-responsibility.service';
import { RestitutionClaims } from './restitution-claims.service';
import { RestitutionPayments } from './restitution-payments.service';
import { Idempotent } from '../common/http/idempotent';

const CASE_NOT_FOUND = { type: ErrorResponseDto, description: 'No such case, or not yours to see (the same answer)' };
const CLAIM_NOT_FOUND = { type: ErrorResponseDto, description: 'No such claim, or not visible to the caller (the same answer)' };
const NOT_RESPONSIBLE = {
  type: ErrorResponseDto,
  description: 'RESTITUTION_NOT_RESPONSIBLE: only the claim\u2019s responsible organisation changes it',
};

/** Claims under a case: `/api/v1/cases/{id}/…` (the cases routes name the case segment `id`). */
@ApiTags('restitution')
@Controller('api/v1/cases/:id')
export class CaseRestitutionController {
  constructor(private readonly claims: RestitutionClaims) {}

  @Post('restitution-claims')
  @Idempotent()
  @ApiOperation({ summary: 'Open a restitution claim on a case' })
  @Authorize(Permission.RestitutionCreate)
  @ApiCreatedResponse({
    type: RestitutionClaimResponseDto,
    description: 'The claim (preparing, or filed when filedAt is given), with an ETag',
    headers: locationHeader('/api/v1/restitution-claims/0b5e3f4a-8c1d-4e2f-9a7b-6c5d4e3f2a1b'),
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED, MONEY_INVALID, CLAIM_STATUS_DATA_MISSING, CLAIM_DATA_INCONSISTENT',
  })
  @ApiNotFoundResponse(CASE_NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_IDENTITY_ERASED: notes cannot be kept for an erased case' })
  async create(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) caseId: string,
    @Body() dto: CreateRestitutionClaimDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<RestitutionClaimResponseDto> {
    const body = await this.claims.create(actor, caseId, dto);
    void reply.header('Location', `/api/v1/restitution-claims/${body.id}`);
    return body;
  }

  @Get('restitution-claims')
  @ApiOperation({ summary: 'List the restitution claims of a case the caller may see' })
  @Authorize(Permission.RestitutionRead)
  @ApiOkResponse({ type: RestitutionClaimPageDto, description: 'Oldest first; without notes (read one claim for them)' })
  @ApiNotFoundResponse(CASE_NOT_FOUND)
  list(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) caseId: string,
    @Query() query: ListClaimsQueryDto,
  ): Promise<Page<RestitutionClaimResponseDto>> {
    return this.claims.list(actor, caseId, query);
  }

  @Get('restitution-summary')
  @ApiOperation({ summary: 'Claimed, awarded, paid and outstanding per currency for a case, and its open deadlines' })
  @Authorize(Permission.RestitutionRead)
  @ApiOkResponse({ type: RestitutionSummaryDto })
  @ApiNotFoundResponse(CASE_NOT_FOUND)
  summary(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) caseId: string): Promise<RestitutionSummaryDto> {
    return this.claims.summary(actor, caseId);
  }
}

@ApiTags('restitution')
@Controller('api/v1/restitution-claims')
export class RestitutionClaimsController {
  constructor(
    private readonly claims: RestitutionClaims,
    private readonly payments: RestitutionPayments,
    private readonly responsibility: ClaimResponsibility,
    private readonly config: AppConfig,
  ) {}

  @Get(':id')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Read a restitution claim with its paid and outstanding amounts' })
  @Authorize(Permission.RestitutionRead)
  @ApiOkResponse({ type: RestitutionClaimResponseDto, description: 'With an ETag; a partner reading under consent gets no free text' })
  @ApiNotFoundResponse(CLAIM_NOT_FOUND)
  async get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<RestitutionClaimResponseDto> {
    return await this.claims.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a claim or move its status (If-Match with the ETag from GET)' })
  @Authorize(Permission.RestitutionUpdate)
  @ApiRequiresIfMatch('/restitution-claims/{id}')
  @ApiOkResponse({ type: RestitutionClaimResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED, MONEY_INVALID, MONEY_CURRENCY_MISMATCH, CLAIM_STATUS_DATA_MISSING, CLAIM_DATA_INCONSISTENT',
  })
  @ApiForbiddenResponse(NOT_RESPONSIBLE)
  @ApiNotFoundResponse(CLAIM_NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CLAIM_INVALID_TRANSITION, CLAIM_STATUS_LEDGER_DRIVEN' })
  async update(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdateRestitutionClaimDto,
  ): Promise<RestitutionClaimResponseDto> {
    return await this.claims.update(actor, id, versionFromIfMatch(ifMatch), dto);
  }

  @Post(':id/payments')
  @Idempotent()
  @ApiOperation({ summary: 'Append a payment, or a correction { reversesPaymentId, reason }, to the claim\u2019s ledger' })
  @Authorize(Permission.RestitutionPaymentRecord)
  @ApiCreatedResponse({ type: RecordedPaymentResponseDto, description: 'The ledger entry and the claim after it' })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED, MONEY_INVALID, MONEY_CURRENCY_MISMATCH, PAYMENT_INVALID',
  })
  @ApiForbiddenResponse(NOT_RESPONSIBLE)
  @ApiNotFoundResponse(CLAIM_NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CLAIM_NOT_PAYABLE, PAYMENT_ALREADY_REVERSED' })
  recordPayment(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RecordPaymentDto,
  ): Promise<RecordedPaymentResponseDto> {
    return this.payments.recordPayment(actor, id, dto);
  }

  @Get(':id/payments')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'The claim\u2019s payments ledger, in the order it was written' })
  @Authorize(Permission.RestitutionRead)
  @ApiOkResponse({ type: PaymentPageDto, description: 'Payments and corrections; a reversed payment names its correction' })
  @ApiNotFoundResponse(CLAIM_NOT_FOUND)
  listPayments(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ListPaymentsQueryDto,
  ): Promise<Page<PaymentResponseDto>> {
    return this.payments.listPayments(actor, id, query);
  }

  @Post(':id/responsibility')
  @Idempotent()
  @ApiOperation({ summary: 'Hand the claim to another organisation, or record the survivor\u2019s contact organisation for payout' })
  @HttpCode(200)
  @Authorize(Permission.RestitutionResponsibility)
  @ApiOkResponse({ type: ResponsibilityResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED, RESTITUTION_ORGANISATION_INVALID' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description:
      'RESTITUTION_NOT_RESPONSIBLE; from the disclosure gate: CONSENT_NOT_COVERING (the organisation shown the claim needs consent for ' +
      'restitution / restitution_claim), DANGER_FLAG_DISCLOSURE',
  })
  @ApiNotFoundResponse(CLAIM_NOT_FOUND)
  moveResponsibility(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: MoveResponsibilityDto,
  ): Promise<ResponsibilityResponseDto> {
    return this.responsibility.moveResponsibility(actor, id, dto);
  }

  @Get(':id/responsibility')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Who was responsible for the claim, and who was the survivor\u2019s contact, when' })
  @Authorize(Permission.RestitutionRead)
  @ApiOkResponse({ type: ResponsibilityPageDto, description: 'The page envelope of every list, oldest period first' })
  @ApiNotFoundResponse(CLAIM_NOT_FOUND)
  async responsibilityHistory(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ResponsibilityPeriodDto>> {
    return pageOf(await this.responsibility.responsibilityHistory(actor, id), query, this.config.http.listLimitMax);
  }
}
