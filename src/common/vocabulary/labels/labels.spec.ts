import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vocabulary from '../index';
import { ERROR_STATUS } from '../../errors/error-codes';
import { errorMessage, LABELS, LABELLED_SETS, negotiateLanguage, reviewCounts, UI_LANGUAGES, uiLanguageOf, vocabularyIn } from './index';
import { UNLABELLED_LISTS, VOCABULARY_SET_NAMES } from './vocabulary-sets';

describe('vocabulary labels', () => {
  const labelledLists = new Set<unknown>(Object.values(LABELLED_SETS));

  it('labels every code list the vocabulary exports, or says why not', () => {
    const unclassified = Object.entries(vocabulary)
      .filter(([, value]) => Array.isArray(value) && value.every((v) => typeof v === 'string'))
      .filter(([name, value]) => !labelledLists.has(value) && !UNLABELLED_LISTS[name])
      .map(([name]) => name);
    expect(unclassified).toEqual([]);
  });

  it.each(UI_LANGUAGES)('has a non-empty label for every code of every list in %s', (language) => {
    const missing: string[] = [];
    for (const set of VOCABULARY_SET_NAMES) {
      const own = LABELS[language].sets[set] as Record<string, string | undefined>;
      for (const code of LABELLED_SETS[set] as readonly string[]) if (!own?.[code]?.trim()) missing.push(`${set}.${code}`);
      for (const extra of Object.keys(own ?? {}))
        if (!(LABELLED_SETS[set] as readonly string[]).includes(extra)) missing.push(`${set}.${extra} (no such code)`);
    }
    expect(missing).toEqual([]);
  });

  it.each(UI_LANGUAGES)('has a message for every error code in %s, and none for a code that does not exist', (language) => {
    const codes = Object.keys(ERROR_STATUS);
    const own = LABELS[language].errors as Record<string, string | undefined>;
    expect(codes.filter((c) => !own[c]?.trim())).toEqual([]);
    expect(Object.keys(own).filter((c) => !codes.includes(c))).toEqual([]);
  });

  it('keeps each file in its own language and marks unreviewed translations', () => {
    for (const language of UI_LANGUAGES) {
      expect(LABELS[language].language).toBe(language);
      // Keys named as reviewed must exist, so a reviewer's list cannot drift from the codes.
      const keys = new Set([
        ...VOCABULARY_SET_NAMES.flatMap((s) => (LABELLED_SETS[s] as readonly string[]).map((c) => `${s}.${c}`)),
        ...Object.keys(ERROR_STATUS).map((c) => `errors.${c}`),
      ]);
      expect(LABELS[language].reviewed.filter((k) => !keys.has(k))).toEqual([]);
    }
    expect(LABELS.en.needsReview).toBe(false);
    const counts = reviewCounts();
    expect(counts.en.needsReview).toBe(0);
    expect(counts.th.needsReview).toBe(counts.th.total);
  });

  it('lists each language’s review count in the README', () => {
    const readme = readFileSync(join(__dirname, '..', '..', '..', '..', 'README.md'), 'utf8');
    for (const [language, { needsReview, total }] of Object.entries(reviewCounts())) {
      expect(readme).toContain(`| \`${language}\` | ${LABELS[language as keyof typeof LABELS].name} | ${needsReview} of ${total} |`);
    }
  });

  it('answers the vocabulary in the vocabulary’s order, with the review mark', () => {
    const th = vocabularyIn('th');
    expect(th.sets.referralStatuses.map((l) => l.code)).toEqual([...vocabulary.REFERRAL_STATUSES]);
    expect(th.sets.caseStatuses[0]).toEqual({ code: 'active', label: LABELS.th.sets.caseStatuses.active, needsReview: true });
    expect(vocabularyIn('en').sets.caseStatuses[0]).toEqual({ code: 'active', label: 'Active', needsReview: false });
    expect(th.errors).toHaveLength(Object.keys(ERROR_STATUS).length);
    expect(errorMessage('vi', 'NOT_FOUND')).toBe(LABELS.vi.errors.NOT_FOUND);
  });
});

describe('negotiateLanguage', () => {
  it('takes the highest q-value among the nine, in the order given on ties', () => {
    expect(negotiateLanguage('th-TH,th;q=0.9,en;q=0.8')).toBe('th');
    expect(negotiateLanguage('fr-FR, km;q=0.5, lo;q=0.7')).toBe('lo');
    expect(negotiateLanguage('vi;q=0.5, id;q=0.5')).toBe('vi');
    expect(negotiateLanguage('en;q=0.1, my;q=0.9')).toBe('my');
  });

  it('refuses q=0, and falls back to English when nothing matches or the header is absent or odd', () => {
    expect(negotiateLanguage('th;q=0, ms')).toBe('ms');
    expect(negotiateLanguage('th;q=0')).toBe('en');
    expect(negotiateLanguage('fr, de;q=0.8')).toBe('en');
    expect(negotiateLanguage(undefined)).toBe('en');
    expect(negotiateLanguage('')).toBe('en');
    expect(negotiateLanguage('*')).toBe('en');
    expect(negotiateLanguage(';;;,,q=abc')).toBe('en');
    expect(negotiateLanguage('th;q=2')).toBe('en');
  });

  it('knows the other tags devices send for the same languages', () => {
    expect(uiLanguageOf('tl-PH')).toBe('fil');
    expect(uiLanguageOf('fil-PH')).toBe('fil');
    expect(uiLanguageOf('mya')).toBe('my');
    expect(uiLanguageOf('zsm')).toBe('ms');
    expect(uiLanguageOf('in')).toBe('id');
    expect(uiLanguageOf('de')).toBeNull();
  });
});
