import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiForbiddenResponse,
  ApiGoneResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { ChangesService } from './changes.service';
import { ChangePageDto, ChangesQueryDto } from './dto/changes.dto';

/**
 * The headers every answer of this route can carry: the rate limit's (the throttler runs before anything else, so 4xx
 * answers carry them too) and CORS's (when CORS_ORIGINS allows the request's origin).
 */
const HEADERS = {
  ...Object.fromEntries(
    ['X-RateLimit-Limit', 'X-RateLimit-Remaining', 'X-RateLimit-Reset'].map((n) => [n, { $ref: `#/components/headers/${n}` }]),
  ),
  'Access-Control-Allow-Origin': {
    description: 'Sent when CORS_ORIGINS allows the request’s origin',
    schema: { type: 'string', maxLength: 2048, example: 'https://app.shelter.example' },
  },
};
const ERROR = { type: ErrorResponseDto, headers: HEADERS };

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
      'caller’s sight (transferred away, recalled, scope changed). Without `since`: a sync from scratch. Page until ' +
      '`hasMore` is false, keep the last `cursor` for the next sync. Items carry no personal data: fetch each record ' +
      'through its own route, where consent and the access log apply.',
  })
  // Above @Authorize, so that these (with their headers) replace its 401, 403 and 429.
  @ApiUnauthorizedResponse({ ...ERROR, description: 'Missing, invalid or expired access token' })
  @ApiForbiddenResponse({ ...ERROR, description: `Role lacks the permission ${Permission.ChangesRead}` })
  @ApiTooManyRequestsResponse({ ...ERROR, description: 'Rate limited' })
  @Authorize(Permission.ChangesRead)
  @ApiOkResponse({ type: ChangePageDto, headers: HEADERS, description: 'One page of changes, oldest first' })
  @ApiBadRequestResponse({ ...ERROR, description: 'CHANGES_CURSOR_INVALID (since is not a cursor of this feed), VALIDATION_FAILED' })
  @ApiGoneResponse({
    ...ERROR,
    description: 'CHANGES_RESYNC_REQUIRED: the cursor is older than the feed keeps (CHANGE_FEED_RETENTION_DAYS); sync again without since',
  })
  page(@Actor() actor: ActorShape, @Query() query: ChangesQueryDto): Promise<ChangePageDto> {
    return this.changes.page(actor, query);
  }
}
