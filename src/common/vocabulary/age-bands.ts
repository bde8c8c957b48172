/**
 * The age bands of the CTDC global dataset (IOM's Counter Trafficking Data Collaborative). Statistics tables and the
 * anonymised export use these, never an exact age.
 */
export const CTDC_AGE_BANDS = ['0-8', '9-17', '18-20', '21-23', '24-26', '27-29', '30-38', '39-47', '48+'] as const;
export type CtdcAgeBand = (typeof CTDC_AGE_BANDS)[number];

/** Lowest age of each band, in the order of CTDC_AGE_BANDS. */
const LOWER_BOUNDS = [0, 9, 18, 21, 24, 27, 30, 39, 48] as const;

/** The CTDC band of an age in whole years; null when the age is unknown or not an age. Fractions count as the year begun. */
export function ctdcAgeBand(age: number | null | undefined): CtdcAgeBand | null {
  if (typeof age !== 'number' || !Number.isFinite(age) || age < 0) return null;
  const years = Math.floor(age);
  let band = 0;
  while (band + 1 < LOWER_BOUNDS.length && years >= LOWER_BOUNDS[band + 1]) band++;
  return CTDC_AGE_BANDS[band];
}
