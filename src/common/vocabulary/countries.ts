import { getAlpha2Codes } from 'i18n-iso-countries';

/** ISO 3166-1 alpha-2 country codes (upper case). */
export const COUNTRY_CODES: readonly string[] = Object.keys(getAlpha2Codes()).sort();
const COUNTRY_SET = new Set(COUNTRY_CODES);

export function isCountryCode(value: unknown): value is string {
  return typeof value === 'string' && COUNTRY_SET.has(value);
}
