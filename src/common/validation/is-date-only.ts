import { ValidationOptions, registerDecorator } from 'class-validator';
import { MAX_DATE, MIN_DATE } from './date-range';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A real calendar date "YYYY-MM-DD" (2026-02-30 is refused). */
export function parseDateOnly(value: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const m = DATE_ONLY.exec(value);
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value ? d : null;
}

/** Today as YYYY-MM-DD in UTC. */
export const todayUtc = (now = new Date()): string => now.toISOString().slice(0, 10);

/**
 * The latest date that is not "in the future" anywhere a user may be: the region runs at UTC+6:30…+8, so a date one
 * day past the UTC date can be today for the person typing it.
 */
export function latestPresentDate(now = new Date()): string {
  return todayUtc(new Date(now.getTime() + 24 * 3600 * 1000));
}

export interface DateOnlyOptions {
  /** The date cannot be later than today (a birth, a decision, an assessment). */
  notFuture?: boolean;
  /** Earliest acceptable date, YYYY-MM-DD; never before 1900-01-01. */
  min?: string;
}

export function IsDateOnly(opts: DateOnlyOptions = {}, options?: ValidationOptions) {
  const min = opts.min && opts.min > MIN_DATE ? opts.min : MIN_DATE;
  const max = MAX_DATE;
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isDateOnly',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a date YYYY-MM-DD from ${min}${opts.notFuture ? ' and not in the future' : ` to ${max}`}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => {
          if (!parseDateOnly(value)) return false;
          const s = value as string;
          if (s < min || s > max) return false;
          return !opts.notFuture || s <= latestPresentDate();
        },
      },
    });
}
