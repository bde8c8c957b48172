import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiGoneResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { ChangesService } from './changes.service';
import { CHANGE_PAGE_EXAMPLE, ChangePageDto, ChangesQueryDto } from './dto/changes.dto';

/** The change feed for offline clients (docs/sync.md §3). */
@ApiTags('changes')
@Controller('api/v1/changes')
export class ChangesController {
  constructor(private readonly changes: ChangesService) {}

  @Get()
  @ApiOperation({
    summary: 'What changed since a cursor: ids and versions of the records the caller may see, and of those it no longer may',
    description:
      'Every record the caller may read through the other routes — cases, consents, referrals (both sides), referred cases, ' +
      'milestones, claims, payments, alerts — as `upsert` when it was created or changed, and as `gone` once it left the ' +
      'caller’s sight (transferred away, recalled, erased, scope changed). Without `since`: a sync from scratch. Page ' +
      'until `hasMore` is false, keep the last `cursor` for the next sync. Items carry no personal data: fetch each record ' +
      'through its own route, where consent and the access log apply.',
  })
  @Authorize(Permission.ChangesRead)
  @ApiOkResponse({ type: ChangePageDto, description: 'One page of changes, oldest first', schema: { example: CHANGE_PAGE_EXAMPLE } })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description: 'CHANGES_CURSOR_INVALID (since is not a cursor of this feed), VALIDATION_FAILED',
  })
  @ApiGoneResponse({
    type: ErrorResponseDto,
    description: 'CHANGES_RESYNC_REQUIRED: the cursor is older than the feed keeps (CHANGE_FEED_RETENTION_DAYS); sync again without since',
  })
  page(@Actor() actor: ActorShape, @Query() query: ChangesQueryDto): Promise<ChangePageDto> {
    return this.changes.page(actor, query);
  }
}
