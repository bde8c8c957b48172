// The package's main entry registers the country names of all its ~80 locales (about 1.8 MB of heap in every process);
// Lintas needs only the codes, which index.js holds without any locale.
import { getAlpha2Codes } from 'i18n-iso-countries/index';

/** ISO 3166-1 alpha-2 country codes (upper case). */
export const COUNTRY_CODES: readonly string[] = Object.keys(getAlpha2Codes()).sort();
const COUNTRY_SET = new Set(COUNTRY_CODES);

export function isCountryCode(value: unknown): value is string {
  return typeof value === 'string' && COUNTRY_SET.has(value);
}
