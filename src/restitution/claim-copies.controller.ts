import { Body, Controller, Get, Headers, Param, ParseUUIDPipe, Patch, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
} from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { ApiRequiresIfMatch, versionFromIfMatch } from '../common/http/etag';
import { Idempotent } from '../common/http/idempotent';
import { ClaimCopies } from './claim-copies.service';
import { ClaimCopyChanges } from './claim-copy-changes.service';
import { ClaimCopyListDto, ClaimCopyResponseDto } from './dto/claim-copy.dto';
import { RecordPaymentDto, UpdateClaimCopyDto } from './dto/restitution-input.dto';

/**
 * The claims a referral from a partner deployment carried (docs/restitution.md, "Across borders"): the receiving
 * organisation reads its sealed copies and records payments the survivor received here, which go to the partner's record.
 */
const REFERRAL_ID = {
  name: 'id',
  description: 'The incoming referral (its id on this deployment)',
  format: 'uuid',
  maxLength: 36,
} as const;
const CLAIM_ID = {
  name: 'claimId',
  description: 'The claim\u2019s id on the deployment that holds the case',
  format: 'uuid',
  maxLength: 36,
} as const;

@ApiTags('restitution')
@Controller('api/v1/referrals/:id/restitution-claims')
export class ClaimCopiesController {
  constructor(
    private readonly copies: ClaimCopies,
    private readonly changes: ClaimCopyChanges,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'The restitution claims an incoming referral from a partner deployment carried',
    description:
      'Only when the person consented to the receiving organisation getting restitution data for restitution_claim. ' +
      'The partner deployment holds the record; this is its copy, brought up to date by signed events.',
  })
  @Authorize(Permission.RestitutionRead)
  @ApiParam(REFERRAL_ID)
  @ApiOkResponse({ type: ClaimCopyListDto })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'CASE_RESTRICTED: the person restricted the case on the partner deployment (until it is lifted)',
  })
  async list(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<ClaimCopyListDto> {
    return { items: await this.copies.list(actor, id) };
  }

  @Patch(':claimId')
  @ApiOperation({
    summary: 'Change a claim a partner deployment holds, while the organisation here is responsible for it',
    description:
      'Status, award, forum and dates, with the same validation and state machine as the record\u2019s PATCH; If-Match ' +
      'takes the copy\u2019s version ("<version>"). Kept here as pendingChange and sent to the partner deployment as a signed ' +
      'event; its record applies it, or keeps it as a losing change (conflicts, alert claim_conflict on both sides) when ' +
      'responsibility moved meanwhile, the same fact changed there meanwhile, or the move is no longer legal.',
  })
  @Authorize(Permission.RestitutionUpdate)
  @ApiParam(REFERRAL_ID)
  @ApiParam(CLAIM_ID)
  @ApiRequiresIfMatch('/referrals/{id}/restitution-claims')
  @ApiOkResponse({ type: ClaimCopyResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED, MONEY_INVALID, MONEY_CURRENCY_MISMATCH, CLAIM_STATUS_DATA_MISSING, CLAIM_DATA_INCONSISTENT',
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description:
      'RESTITUTION_NOT_RESPONSIBLE: the partner\u2019s organisation is responsible; CASE_RESTRICTED: the person restricted the case on the partner deployment',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'NOT_FOUND: no such copy held by this organisation' })
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'CLAIM_INVALID_TRANSITION, CLAIM_STATUS_LEDGER_DRIVEN, CLAIM_CHANGE_PENDING (a change made here is not settled yet)',
  })
  change(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdateClaimCopyDto,
  ): Promise<ClaimCopyResponseDto> {
    return this.changes.change(actor, id, claimId, versionFromIfMatch(ifMatch), dto);
  }

  @Post(':claimId/payments')
  @Idempotent()
  @ApiOperation({
    summary: 'Record a payment (or correct one recorded here) on a claim a partner deployment holds',
    description: 'Kept here as pending and sent to the partner deployment as a signed event; its next snapshot confirms it.',
  })
  @Authorize(Permission.RestitutionPaymentRecord)
  @ApiParam(REFERRAL_ID)
  @ApiParam(CLAIM_ID)
  @ApiCreatedResponse({ type: ClaimCopyResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'MONEY_INVALID, MONEY_CURRENCY_MISMATCH, PAYMENT_INVALID' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'CASE_RESTRICTED: the person restricted the case on the partner deployment (until it is lifted)',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CLAIM_NOT_PAYABLE, PAYMENT_ALREADY_REVERSED' })
  recordPayment(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('claimId', ParseUUIDPipe) claimId: string,
    @Body() dto: RecordPaymentDto,
  ): Promise<ClaimCopyResponseDto> {
    return this.copies.recordPayment(actor, id, claimId, dto);
  }
}
