/**
 * Statistics periods: a whole year (`2026`) or a quarter (`2026-Q3`), nothing finer, so tables cannot be narrowed
 * down to a few days. Boundaries are UTC midnights; `end` is exclusive. A period is closed once its end has passed,
 * and only a closed period's tables are frozen into a release.
 */
import { DomainError } from '../../common/errors/domain-error';

export const EARLIEST_PERIOD_YEAR = 2000;

export interface Period {
  /** The canonical label, as requested: `2026` or `2026-Q3`. */
  readonly label: string;
  readonly kind: 'year' | 'quarter';
  readonly year: number;
  /** 1–4 for a quarter. */
  readonly quarter: number | null;
  readonly start: Date;
  /** Exclusive. */
  readonly end: Date;
  readonly closed: boolean;
}

const PATTERN = /^(\d{4})(?:-Q([1-4]))?$/;

/** Throws DomainError('STATISTICS_PERIOD_INVALID') (400) for anything but a started year or quarter. */
export function parsePeriod(input: unknown, now: Date = new Date()): Period {
  const match = typeof input === 'string' ? PATTERN.exec(input) : null;
  if (!match) {
    throw new DomainError('STATISTICS_PERIOD_INVALID', 'period must be a year (2026) or a quarter (2026-Q3)', [
      { field: 'period', errors: ['must be YYYY or YYYY-Qn with n from 1 to 4'] },
    ]);
  }
  const year = Number(match[1]);
  const quarter = match[2] ? Number(match[2]) : null;
  const start = quarter ? new Date(Date.UTC(year, (quarter - 1) * 3, 1)) : new Date(Date.UTC(year, 0, 1));
  const end = quarter ? new Date(Date.UTC(year, quarter * 3, 1)) : new Date(Date.UTC(year + 1, 0, 1));
  if (year < EARLIEST_PERIOD_YEAR) {
    throw new DomainError('STATISTICS_PERIOD_INVALID', `period must not be before ${EARLIEST_PERIOD_YEAR}`, [
      { field: 'period', errors: [`must be ${EARLIEST_PERIOD_YEAR} or later`] },
    ]);
  }
  if (start.getTime() > now.getTime()) {
    throw new DomainError('STATISTICS_PERIOD_INVALID', 'period has not started yet', [
      { field: 'period', errors: ['must not be in the future'] },
    ]);
  }
  return {
    label: input as string,
    kind: quarter ? 'quarter' : 'year',
    year,
    quarter,
    start,
    end,
    closed: end.getTime() <= now.getTime(),
  };
}

/** The quarters of a year, or the quarter itself: what "registrations by quarter" lists for a period. */
export function quartersOf(period: Period): string[] {
  if (period.kind === 'quarter') return [period.label];
  return [1, 2, 3, 4].map((q) => `${period.year}-Q${q}`);
}

/** The first instant (UTC midnight) of a quarter label from quartersOf. */
export function quarterStart(label: string): Date {
  const year = Number(label.slice(0, 4));
  const quarter = Number(label.slice(-1));
  return new Date(Date.UTC(year, (quarter - 1) * 3, 1));
}
