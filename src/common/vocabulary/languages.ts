import { ISO_639_CODES } from './iso-639.data';

/**
 * ISO 639-3 language codes (and the ISO 639-2 bibliographic codes that differ from them, e.g. `bur` for `mya`), generated
 * from the iso-639-3 package by scripts/iso639-data.js. Stored as the client sent them, lower case.
 */
export const LANGUAGE_CODES: readonly string[] = ISO_639_CODES;
const LANGUAGE_SET = new Set(LANGUAGE_CODES);

export function isLanguageCode(value: unknown): value is string {
  return typeof value === 'string' && LANGUAGE_SET.has(value);
}
