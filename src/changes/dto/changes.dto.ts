import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { MAX_PAGE_LIMIT } from '../../common/http/pagination';
import { CURSOR_MAX_LENGTH, CURSOR_PATTERN } from '../change-cursor';
import { CHANGE_OPS, CHANGE_RECORD_TYPES, ChangeOp, ChangeRecordType } from '../change-types';

export const DEFAULT_FEED_LIMIT = 100;

export class ChangesQueryDto {
  @ApiPropertyOptional({
    type: 'string',
    maxLength: CURSOR_MAX_LENGTH,
    pattern: CURSOR_PATTERN,
    description:
      'The `cursor` of the previous page, as it was received. Without it the feed starts a sync from scratch: every record ' +
      'the caller may see now, as `upsert`. A cursor that is not one the feed handed out answers 400 CHANGES_CURSOR_INVALID; ' +
      'one older than the retention (CHANGE_FEED_RETENTION_DAYS) answers 410 CHANGES_RESYNC_REQUIRED',
    example: 'YzEuODQyLjEyMDQ',
  })
  @IsOptional()
  @IsString()
  @MaxLength(CURSOR_MAX_LENGTH)
  @Matches(new RegExp(CURSOR_PATTERN))
  since?: string;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 100000,
    default: DEFAULT_FEED_LIMIT,
    description: `Rows of the log read for this page; above the configured maximum (at most ${MAX_PAGE_LIMIT}) it is clamped. A page may hold fewer items (even none) while hasMore is true`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  limit = DEFAULT_FEED_LIMIT;
}

export class ChangeItemDto {
  @ApiProperty({
    enum: CHANGE_RECORD_TYPES,
    example: 'case',
    description: 'The kind of record; docs/sync.md §3 names the route each is read through',
  })
  type: ChangeRecordType;

  @ApiProperty({ type: 'string', format: 'uuid', maxLength: 36, example: '6d0c2a6e-3f7e-4a57-9a0e-2f1d7c1b9e10' })
  id: string;

  @ApiProperty({
    type: 'string',
    format: 'uuid',
    maxLength: 36,
    nullable: true,
    example: null,
    description: 'The record it is read through: the case of a consent, the referral of a milestone, the claim of a payment',
  })
  parentId: string | null;

  @ApiProperty({ enum: CHANGE_OPS, example: 'upsert', description: 'upsert: fetch it (again); gone: delete it from the device' })
  op: ChangeOp;

  @ApiProperty({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: 9007199254740991,
    example: 3,
    description:
      'The record’s version where it has one (case, referral, claim: the ETag’s version); for the others a number that grows ' +
      'with every change. Compare for equality only',
  })
  version: number;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    maxLength: 40,
    example: '2026-12-01T08:15:02.114Z',
    description: 'When the change was made (its transaction’s start)',
  })
  changedAt: string;
}

export class ChangePageDto {
  @ApiProperty({
    type: [ChangeItemDto],
    maxItems: MAX_PAGE_LIMIT,
    description: 'Ids and versions only: never personal data',
    example: [
      {
        type: 'case',
        id: '6d0c2a6e-3f7e-4a57-9a0e-2f1d7c1b9e10',
        parentId: null,
        op: 'upsert',
        version: 3,
        changedAt: '2026-12-01T08:15:02.114Z',
      },
      {
        type: 'referral_case',
        id: 'b3f1c7a2-9d4e-4e2b-8f6a-5c3d2e1f0a9b',
        parentId: 'b3f1c7a2-9d4e-4e2b-8f6a-5c3d2e1f0a9b',
        op: 'gone',
        version: 1842,
        changedAt: '2026-12-01T09:02:47.530Z',
      },
    ],
  })
  items: ChangeItemDto[];

  @ApiProperty({
    type: 'string',
    maxLength: CURSOR_MAX_LENGTH,
    pattern: CURSOR_PATTERN,
    example: 'YzEuODQyLjEyMDQ',
    description: 'Send it as `since` for the next page, or the next sync; it stays valid across restarts of the API',
  })
  cursor: string;

  @ApiProperty({ type: 'boolean', example: false, description: 'More changes can be read now: ask again with the cursor at once' })
  hasMore: boolean;
}
