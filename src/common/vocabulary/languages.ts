import iso6393 from 'iso-639-3';

/**
 * ISO 639-3 language codes (and the ISO 639-2 bibliographic codes that differ from them, e.g. `bur` for `mya`), from
 * the iso-639-3 package (2.x: plain JSON, loads in CommonJS). Stored as the client sent them, lower case.
 */
interface Iso6393Entry {
  iso6393: string;
  iso6392B?: string;
  iso6392T?: string;
}

const entries = iso6393 as unknown as Iso6393Entry[];
export const LANGUAGE_CODES: readonly string[] = [
  ...new Set(entries.flatMap((e) => [e.iso6393, e.iso6392B, e.iso6392T].filter((c): c is string => typeof c === 'string'))),
].sort();
const LANGUAGE_SET = new Set(LANGUAGE_CODES);

export function isLanguageCode(value: unknown): value is string {
  return typeof value === 'string' && LANGUAGE_SET.has(value);
}
