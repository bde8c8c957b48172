import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** The hard ceiling of any list page; AppConfig.http.listLimitMax may lower it. */
export const MAX_PAGE_LIMIT = 100;

export class PageQueryDto {
  @ApiPropertyOptional({ type: 'integer', format: 'int32', minimum: 1, maximum: 100000, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  page = 1;

  @ApiPropertyOptional({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 100000,
    default: 20,
    description: `Page size; a value above the configured maximum (at most ${MAX_PAGE_LIMIT}) is clamped to it`,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  limit = 20;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** Clamps the requested limit to the configured maximum rather than failing: a client asking for 1000 gets the cap. */
export function pageWindow(query: PageQueryDto, max: number): { page: number; limit: number; skip: number } {
  const limit = Math.min(query.limit ?? 20, max, MAX_PAGE_LIMIT);
  const page = query.page ?? 1;
  return { page, limit, skip: (page - 1) * limit };
}

/**
 * One page of a list read whole (a record's short history, the fixed statistics catalogue): the same envelope and the
 * same limit rule as every other list. Paged after it is built, so a row that refers to the next (a period's `until`)
 * stays right at a page boundary.
 */
export function pageOf<T>(all: readonly T[], query: PageQueryDto, max: number): Page<T> {
  const { page, limit, skip } = pageWindow(query, max);
  return { items: all.slice(skip, skip + limit), total: all.length, page, limit };
}
