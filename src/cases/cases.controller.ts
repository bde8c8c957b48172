import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiOperation,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { ApiConditionalGet, ApiRequiresIfMatch, locationHeader, versionFromIfMatch } from '../common/http/etag';
import { Page } from '../common/http/pagination';
import { BreakGlassService } from './break-glass.service';
import { CaseAccessLog } from './case-access-log.service';
import { CaseReads } from './case-reads.service';
import { CaseRestrictions } from './case-restrictions.service';
import { CasesService } from './cases.service';
import {
  AssignCaseDto,
  BreakGlassDto,
  CloseCaseDto,
  CreateCaseDto,
  EraseIdentityDto,
  RestrictCaseDto,
  UpdateCaseDto,
} from './dto/case-input.dto';
import { AccessLogQueryDto, ListCasesQueryDto } from './dto/case-query.dto';
import {
  AccessLogPageDto,
  BreakGlassGrantDto,
  CasePageDto,
  CaseResponseDto,
  CaseRestrictionDto,
  CaseSummaryDto,
  CreatedCaseResponseDto,
  IdentityDto,
} from './dto/case-response.dto';
import { Idempotent } from '../common/http/idempotent';

/** If-Match is optional on the action routes: when sent, a stale version answers 412. */
const optionalVersion = (ifMatch: string | undefined): number | undefined => (ifMatch ? versionFromIfMatch(ifMatch) : undefined);

const IF_MATCH_OPTIONAL = {
  name: 'If-Match',
  required: false,
  schema: { type: 'string' as const, maxLength: 80 },
  description: 'ETag from GET; when sent, a stale one answers 412',
};
const NOT_FOUND = { type: ErrorResponseDto, description: 'No such case, or not yours to see (the same answer)' };

@ApiTags('cases')
@ApiExtraModels(IdentityDto)
@Controller('api/v1/cases')
export class CasesController {
  constructor(
    private readonly cases: CasesService,
    private readonly reads: CaseReads,
    private readonly grants: BreakGlassService,
    private readonly accessLogs: CaseAccessLog,
    private readonly restrictions: CaseRestrictions,
  ) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Open a case (identity is encrypted at rest)' })
  @Authorize(Permission.CaseCreate)
  @ApiCreatedResponse({
    type: CreatedCaseResponseDto,
    description: 'The case, with an ETag header; the creator is its assignee',
    headers: locationHeader('/api/v1/cases/0b5e3f4a-8c1d-4e2f-9a7b-6c5d4e3f2a1b'),
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED (unknown values, bad codes, future dates, server-set fields)',
  })
  async create(
    @Actor() actor: ActorShape,
    @Body() dto: CreateCaseDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedCaseResponseDto> {
    const body = await this.cases.create(actor, dto);
    void reply.header('Location', `/api/v1/cases/${body.id}`);
    return body;
  }

  @Get()
  @ApiOperation({ summary: "List the organisation's cases visible to the caller (no identity in lists)" })
  @Authorize(Permission.CaseRead)
  @ApiOkResponse({ type: CasePageDto, description: 'Never decrypts identity: rows are labelled by reference' })
  list(@Actor() actor: ActorShape, @Query() query: ListCasesQueryDto): Promise<Page<CaseSummaryDto>> {
    return this.reads.list(actor, query);
  }

  @Get(':id')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Read a case; identity reads are audited' })
  @Authorize(Permission.CaseRead)
  @ApiOkResponse({ type: CaseResponseDto, description: 'With the person’s identity where the rule allows; audited (case.read_identity)' })
  @ApiNotFoundResponse(NOT_FOUND)
  async get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<CaseResponseDto> {
    return await this.reads.get(actor, id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Update a case (If-Match with the ETag from GET)' })
  @Authorize(Permission.CaseUpdate)
  @ApiRequiresIfMatch('/cases/{id}')
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case without identity (GET it to read identity)' })
  @ApiBadRequestResponse({ type: ErrorResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_CLOSED, CASE_IDENTITY_ERASED' })
  async update(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: UpdateCaseDto,
  ): Promise<CaseResponseDto> {
    return await this.cases.update(actor, id, versionFromIfMatch(ifMatch), dto);
  }

  @Post(':id/close')
  @Idempotent()
  @ApiOperation({ summary: 'Close a case with an HTCDS closure reason' })
  @HttpCode(200)
  @Authorize(Permission.CaseClose)
  @ApiHeader(IF_MATCH_OPTIONAL)
  @ApiOkResponse({ type: CaseResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_CLOSED' })
  async close(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: CloseCaseDto,
  ): Promise<CaseResponseDto> {
    return await this.cases.close(actor, id, optionalVersion(ifMatch), dto);
  }

  @Post(':id/assign')
  @Idempotent()
  @ApiOperation({ summary: 'Assign a case to a caseworker of the organisation' })
  @HttpCode(200)
  @Authorize(Permission.CaseAssign)
  @ApiHeader(IF_MATCH_OPTIONAL)
  @ApiOkResponse({ type: CaseResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'CASE_ASSIGNEE_INVALID' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_CLOSED' })
  async assign(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: AssignCaseDto,
  ): Promise<CaseResponseDto> {
    return await this.cases.assign(actor, id, optionalVersion(ifMatch), dto);
  }

  @Post(':id/erase-identity')
  @Idempotent()
  @ApiOperation({ summary: "Erase a case's identity by destroying its data key (crypto-shredding)" })
  @HttpCode(200)
  @Authorize(Permission.CaseEraseIdentity)
  @ApiHeader(IF_MATCH_OPTIONAL)
  @ApiOkResponse({ type: CaseResponseDto, description: 'The case with identity { erased: true }: its data key is destroyed' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_IDENTITY_ERASED' })
  async eraseIdentity(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Body() dto: EraseIdentityDto,
  ): Promise<CaseResponseDto> {
    return await this.cases.eraseIdentity(actor, id, optionalVersion(ifMatch), dto);
  }

  @Post(':id/break-glass')
  @Idempotent()
  @ApiOperation({ summary: 'Open a danger-flagged case outside the normal rule, with a reason (audited, reviewed)' })
  @Authorize(Permission.CaseBreakGlass)
  @ApiCreatedResponse({
    type: BreakGlassGrantDto,
    description: 'A one-hour grant to open this danger-flagged case; audited and raised for review',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'BREAK_GLASS_NOT_NEEDED, CASE_IDENTITY_ERASED' })
  breakGlass(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: BreakGlassDto): Promise<BreakGlassGrantDto> {
    return this.grants.breakGlass(actor, id, dto);
  }

  @Get(':id/break-glass')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'List break-glass grants on a case' })
  @Authorize(Permission.CaseBreakGlassReview)
  @ApiOkResponse({
    schema: { type: 'array', maxItems: 10000, items: { $ref: getSchemaPath(BreakGlassGrantDto) } },
    description: 'Grants on this case with their reasons, newest first',
  })
  @ApiNotFoundResponse(NOT_FOUND)
  listBreakGlass(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<BreakGlassGrantDto[]> {
    return this.grants.list(actor, id);
  }

  @Post(':id/break-glass/:grantId/review')
  @Idempotent()
  @ApiOperation({ summary: "Review another user's break-glass access" })
  @HttpCode(200)
  @Authorize(Permission.CaseBreakGlassReview)
  @ApiOkResponse({ type: BreakGlassGrantDto })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'BREAK_GLASS_SELF_REVIEW, BREAK_GLASS_ALREADY_REVIEWED' })
  reviewBreakGlass(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Param('grantId', ParseUUIDPipe) grantId: string,
  ): Promise<BreakGlassGrantDto> {
    return this.grants.review(actor, id, grantId);
  }

  @Get(':id/access-log')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Who read this case and when (from the audit log)' })
  @Authorize(Permission.CaseAccessLogRead)
  @ApiOkResponse({ type: AccessLogPageDto, description: 'Who read or changed this case, and when (from the audit log)' })
  @ApiNotFoundResponse(NOT_FOUND)
  accessLog(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: AccessLogQueryDto,
  ): Promise<AccessLogPageDto> {
    return this.accessLogs.list(actor, id, query);
  }

  @Post(':id/restriction')
  @ApiOperation({
    summary: 'The person restricts the use of their case: nothing new is disclosed, recipients are told (docs/rights.md)',
  })
  @Authorize(Permission.CaseRestrict)
  @ApiCreatedResponse({
    type: CaseRestrictionDto,
    description: 'The restriction; audited (case.restricted, ids only), and every organisation that received the case gets a notice',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED (reason missing, too short or too long)' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_ALREADY_RESTRICTED' })
  restrict(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: RestrictCaseDto): Promise<CaseRestrictionDto> {
    return this.restrictions.restrict(actor, id, dto);
  }

  @Delete(':id/restriction')
  @ApiOperation({ summary: 'Lift the restriction the person placed on their case (recipients are told)' })
  @Authorize(Permission.CaseRestrict)
  @ApiOkResponse({ type: CaseRestrictionDto, description: 'The lifted restriction; audited (case.restriction_lifted)' })
  @ApiNotFoundResponse(NOT_FOUND)
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CASE_NOT_RESTRICTED' })
  liftRestriction(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<CaseRestrictionDto> {
    return this.restrictions.lift(actor, id);
  }
}
