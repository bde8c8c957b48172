import iso6393 from 'iso-639-3';
import { isLanguageCode, LANGUAGE_CODES } from './languages';

describe('language codes', () => {
  it('are exactly the codes of the iso-639-3 package (regenerate with scripts/iso639-data.js when it is updated)', () => {
    const entries = iso6393 as unknown as { iso6393: string; iso6392B?: string; iso6392T?: string }[];
    const fromPackage = [
      ...new Set(entries.flatMap((e) => [e.iso6393, e.iso6392B, e.iso6392T].filter((c): c is string => typeof c === 'string'))),
    ].sort();
    expect(LANGUAGE_CODES).toEqual(fromPackage);
  });

  it('accept ISO 639-3 and the 639-2/B code that differs, nothing else', () => {
    for (const code of ['mya', 'bur', 'khm', 'lao', 'tha', 'vie', 'zho', 'chi']) expect(isLanguageCode(code)).toBe(true);
    for (const value of ['MYA', 'my', 'xx', 'mya ', '', 42, null]) expect(isLanguageCode(value)).toBe(false);
  });
});
