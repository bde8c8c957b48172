/**
 * The years a date or a time Lintas accepts may fall in. JavaScript dates reach year ±275,760 and PostgreSQL's
 * timestamptz only 294,276 AD and 4713 BC: a far date answered 500 (or stored nonsense). Nothing in a case, a claim or
 * a referral happened before 1900 or is due after 2200.
 */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2200;
export const MIN_DATE = `${MIN_YEAR}-01-01`;
export const MAX_DATE = `${MAX_YEAR}-12-31`;

const MIN_TIME = Date.UTC(MIN_YEAR, 0, 1);
const MAX_TIME = Date.UTC(MAX_YEAR + 1, 0, 1);

/** True for a valid instant in the years MIN_YEAR..MAX_YEAR (UTC). */
export function isInstantInRange(time: number): boolean {
  return Number.isFinite(time) && time >= MIN_TIME && time < MAX_TIME;
}
