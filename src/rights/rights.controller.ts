import { Controller, Get, Headers, Param, ParseUUIDPipe, Query, Res } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { RecipientsResponseDto, SubjectAccessQueryDto, SubjectAccessReportDto } from './dto/rights.dto';
import { renderReportText } from './report-text';
import { SubjectAccessService } from './subject-access.service';

const NOT_FOUND = { type: ErrorResponseDto, description: 'No such case, or not yours to see (the same answer)' };

/** A text rendering when asked for by ?format=text, or by an Accept header that prefers text/plain to JSON. */
function wantsText(query: SubjectAccessQueryDto, accept: string | undefined): boolean {
  if (query.format) return query.format === 'text';
  return !!accept && /text\/plain/i.test(accept) && !/application\/json/i.test(accept);
}

/** The person's rights of access (docs/rights.md); restriction lives beside the case (POST/DELETE /cases/{id}/restriction). */
@ApiTags('rights')
@Controller('api/v1/cases')
export class RightsController {
  constructor(private readonly rights: SubjectAccessService) {}

  @Get(':id/recipients')
  @ApiOperation({ summary: 'Every organisation and deployment that received the case: which categories, when, under which consent' })
  @Authorize(Permission.CaseRecipientsRead)
  @ApiOkResponse({ type: RecipientsResponseDto, description: 'From the referrals and the audit log; audited (case.read_recipients)' })
  @ApiNotFoundResponse(NOT_FOUND)
  recipients(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<RecipientsResponseDto> {
    return this.rights.recipientsOf(actor, id);
  }

  @Get(':id/subject-access-report')
  @ApiOperation({
    summary: 'Everything held about the person, their consents with history, and who received their data (JSON or plain text)',
  })
  @Authorize(Permission.CaseSubjectAccessReport)
  @ApiProduces('application/json', 'text/plain')
  @ApiOkResponse({
    type: SubjectAccessReportDto,
    description:
      'Decrypted for the owning organisation; audited (case.read_identity and case.subject_access_report). With ?format=text or ' +
      'Accept: text/plain, a text rendering in the person’s first labelled language (or ?lang=)',
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED (unknown format or language)' })
  @ApiNotFoundResponse(NOT_FOUND)
  async report(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: SubjectAccessQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubjectAccessReportDto | string> {
    const report = await this.rights.report(actor, id, query.lang);
    if (!wantsText(query, accept)) return report;
    void reply.header('content-type', 'text/plain; charset=utf-8');
    return renderReportText(report, report.language);
  }
}
