/**
 * Consent periods arrive as a calendar date or as a date-time. A date is a whole day in UTC: validFrom "2026-12-01"
 * starts at 2026-12-01T00:00:00.000Z and validUntil "2027-06-30" ends at 2027-06-30T23:59:59.999Z (periods are closed
 * intervals). A date-time must carry its zone, so "18:00 in Bangkok" means one moment on every server.
 */
import { parseDateOnly } from '../common/validation/is-date-only';

const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 24 * 3600 * 1000;

export function parseMoment(value: unknown, edge: 'start' | 'end'): Date | null {
  if (typeof value !== 'string') return null;
  const day = parseDateOnly(value);
  if (day) return edge === 'start' ? day : new Date(day.getTime() + DAY_MS - 1);
  if (!DATE_TIME.test(value)) return null;
  const moment = new Date(value);
  if (Number.isNaN(moment.getTime())) return null;
  // Date accepts 2026-02-30T00:00Z by rolling over; a real calendar date is required.
  return parseDateOnly(value.slice(0, 10)) ? moment : null;
}
