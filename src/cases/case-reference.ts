/**
 * Case references: "<owner country>-<year>-<counter>", e.g. TH-2026-000123. The counter runs per country and year
 * (case_reference_counters, bumped just before the creating transaction; gaps are possible), so a reference says where and when a case was
 * opened and nothing about the person.
 */
export const REFERENCE_PATTERN = /^[A-Z]{2}-\d{4}-\d{6,}$/;

export function formatReference(country: string, year: number, counter: number): string {
  if (!/^[A-Z]{2}$/.test(country)) throw new Error('reference country must be ISO 3166-1 alpha-2, upper case');
  if (!Number.isInteger(year) || year < 2000 || year > 9999) throw new Error('reference year out of range');
  if (!Number.isInteger(counter) || counter < 1) throw new Error('reference counter must be a positive integer');
  return `${country}-${year}-${String(counter).padStart(6, '0')}`;
}

/** Adulthood as used for `minor`: 18, per the UN Trafficking Protocol and ACTIP's definition of a child. */
export const AGE_OF_MAJORITY = 18;

export function ageOn(dateOfBirth: string, on: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number);
  const ty = on.getUTCFullYear();
  const tm = on.getUTCMonth() + 1;
  const td = on.getUTCDate();
  return ty - y - (tm < m || (tm === m && td < d) ? 1 : 0);
}

/**
 * `minor`, never set by a client: under 18 today by date of birth when it is known; otherwise under 18 when trafficked
 * (the protective reading: child-specific safeguards apply to a person trafficked as a child); null when neither is known.
 */
export function deriveMinor(
  dateOfBirth: string | null | undefined,
  ageWhenTrafficked: number | null | undefined,
  now = new Date(),
): boolean | null {
  if (dateOfBirth) return ageOn(dateOfBirth, now) < AGE_OF_MAJORITY;
  if (ageWhenTrafficked !== null && ageWhenTrafficked !== undefined) return ageWhenTrafficked < AGE_OF_MAJORITY;
  return null;
}
