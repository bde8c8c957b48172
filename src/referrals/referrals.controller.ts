import { applyDecorators, Body, Controller, Get, HttpCode, Param, ParseEnumPipe, ParseUUIDPipe, Post, Query } from '@nestjs/common';
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
import { Page, pageOf, PageQueryDto } from '../common/http/pagination';
import { AppConfig } from '../config/app-config';
import { REFERRAL_MILESTONES, ReferralMilestone } from '../common/vocabulary';
import {
  CreateReferralDto,
  ListReferralsQueryDto,
  RecordMilestoneDto,
  ReferralActionDto,
  ReferralHistoryEntryDto,
  ReferralHistoryPageDto,
  ReferralPageDto,
  ReferralResponseDto,
  ReferredCaseDto,
} from './dto/referral.dto';
import { ReferralsService } from './referrals.service';
import { ReferredCaseReader } from './referred-case.service';
import { Idempotent } from '../common/http/idempotent';
import { ApiConditionalGet } from '../common/http/etag';

const NOT_FOUND = {
  type: ErrorResponseDto,
  description: 'No such referral, or the caller\u2019s organisation is neither its sender nor (once sent) its receiver',
};
const CONFLICT = { type: ErrorResponseDto, description: 'REFERRAL_INVALID_TRANSITION (details.currentStatus), CASE_CLOSED at approval' };
const FORBIDDEN = {
  type: ErrorResponseDto,
  description:
    'REFERRAL_ACTION_FORBIDDEN: the wrong side or role for this move; from the disclosure gate (details.path, details.blocks): ' +
    'CONSENT_NOT_COVERING (approval; acceptance of an ownership transfer: every category the case holds), DANGER_FLAG_DISCLOSURE, ' +
    'DISCLOSURE_SECOND_PERSON_REQUIRED (a transfer, or a disclosure opened under break-glass, approved by the person who opened it)',
};
const ACTION_BODY = { type: ErrorResponseDto, description: 'VALIDATION_FAILED, REFERRAL_REASON_REQUIRED' };

/** The decorators every state-machine action shares: one route per action, so each has its own OpenAPI operation. */
function ActionRoute(action: string, summary: string) {
  return applyDecorators(
    Post(`:id/${action}`),
    Idempotent(),
    HttpCode(200),
    ApiOperation({ summary }),
    Authorize(Permission.ReferralAct),
    ApiOkResponse({ type: ReferralResponseDto }),
    ApiBadRequestResponse(ACTION_BODY),
    ApiForbiddenResponse(FORBIDDEN),
    ApiNotFoundResponse(NOT_FOUND),
    ApiConflictResponse(CONFLICT),
  );
}

@ApiTags('referrals')
@Controller('api/v1/referrals')
export class ReferralsController {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly referredCases: ReferredCaseReader,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Draft a referral of a case to another organisation (consent must cover every requested category)' })
  @Authorize(Permission.ReferralCreate)
  @ApiCreatedResponse({ type: ReferralResponseDto, description: 'status draft; crossBorder when the two countries differ' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED, REFERRAL_RECEIVER_INVALID' })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description:
      'CONSENT_NOT_COVERING: details.refused names each category, the purpose and why (with transferOwnership: every category the case holds); ' +
      'DANGER_FLAG_DISCLOSURE: a danger-flagged case is referred only by its assigned caseworker or under break-glass',
  })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_CLOSED' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'No such case, or not visible to the caller' })
  create(@Actor() actor: ActorShape, @Body() dto: CreateReferralDto): Promise<ReferralResponseDto> {
    return this.referrals.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'Referrals the caller\u2019s organisation sends or receives' })
  @Authorize(Permission.ReferralRead)
  @ApiOkResponse({ type: ReferralPageDto })
  list(@Actor() actor: ActorShape, @Query() query: ListReferralsQueryDto): Promise<Page<ReferralResponseDto>> {
    return this.referrals.list(actor, query);
  }

  @Get(':id')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Read one referral with its milestones' })
  @Authorize(Permission.ReferralRead)
  @ApiOkResponse({ type: ReferralResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<ReferralResponseDto> {
    return this.referrals.get(actor, id);
  }

  @Get(':id/history')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Every change of status (who, when, from, to, reason) and every milestone, oldest first' })
  @Authorize(Permission.ReferralRead)
  @ApiOkResponse({ type: ReferralHistoryPageDto, description: 'The page envelope of every list, oldest first' })
  @ApiNotFoundResponse(NOT_FOUND)
  async history(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: PageQueryDto,
  ): Promise<Page<ReferralHistoryEntryDto>> {
    return pageOf(await this.referrals.history(actor, id), query, this.config.http.listLimitMax);
  }

  @Get(':id/case')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'The referred case, for the receiving organisation: only the categories consent permits now' })
  @Authorize(Permission.ReferralCaseRead)
  @ApiOkResponse({ type: ReferredCaseDto })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description: 'REFERRAL_RECALLED, REFERRAL_CASE_NOT_AVAILABLE, CONSENT_NOT_COVERING, REFERRAL_ACTION_FORBIDDEN (the sender)',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  readCase(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<ReferredCaseDto> {
    return this.referredCases.readCase(actor, id);
  }

  @ActionRoute('submit', 'Sender: submit a draft for approval')
  submit(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReferralActionDto): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'submit', dto);
  }

  @ActionRoute('approve', 'Sender: approve (cross-border: a supervisor); consent is checked again, delivery runs in the background')
  approve(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReferralActionDto,
  ): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'approve', dto);
  }

  @ActionRoute('accept', 'Receiver: accept (transfers ownership of the case when the referral asks for it)')
  accept(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReferralActionDto): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'accept', dto);
  }

  @ActionRoute('reject', 'Receiver: reject, with a reason')
  reject(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReferralActionDto): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'reject', dto);
  }

  @ActionRoute('cancel', 'Sender: cancel before acceptance, with a reason')
  cancel(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReferralActionDto): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'cancel', dto);
  }

  @ActionRoute('start', 'Receiver: start work on an accepted referral')
  start(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: ReferralActionDto): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'start', dto);
  }

  @ActionRoute('complete', 'Receiver: complete the referral')
  complete(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: ReferralActionDto,
  ): Promise<ReferralResponseDto> {
    return this.referrals.act(actor, id, 'complete', dto);
  }

  @Post(':id/milestones/:milestone')
  @Idempotent()
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a milestone of an accepted cross-border referral (done, or skipped with a reason)' })
  @Authorize(Permission.ReferralMilestoneRecord)
  @ApiParam({ name: 'milestone', enum: REFERRAL_MILESTONES })
  @ApiOkResponse({ type: ReferralResponseDto })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED, REFERRAL_MILESTONE_NOT_SKIPPABLE, REFERRAL_REASON_REQUIRED',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'REFERRAL_ACTION_FORBIDDEN: the other side records this milestone' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({
    type: ErrorResponseDto,
    description: 'REFERRAL_MILESTONE_NOT_APPLICABLE, REFERRAL_MILESTONE_ALREADY_RECORDED, REFERRAL_MILESTONE_OBJECTED',
  })
  recordMilestone(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('milestone', new ParseEnumPipe(Object.fromEntries(REFERRAL_MILESTONES.map((m) => [m, m])))) milestone: ReferralMilestone,
    @Body() dto: RecordMilestoneDto,
  ): Promise<ReferralResponseDto> {
    return this.referrals.recordMilestone(actor, id, milestone, dto);
  }
}
