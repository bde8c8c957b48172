/**
 * Labels of Lintas's codes and messages of its error codes, in the nine languages of its users. The codes never change
 * with the language; only what a person reads does. English is the reference (src/common/vocabulary/labels/en.ts).
 */
import { ERROR_STATUS, ErrorCode } from '../../errors/error-codes';
import { en } from './en';
import { fil } from './fil';
import { id } from './id';
import { km } from './km';
import { lo } from './lo';
import { ms } from './ms';
import { my } from './my';
import { th } from './th';
import { LanguageLabels, REFERENCE_LANGUAGE, UI_LANGUAGES, UiLanguage } from './types';
import { LABELLED_SETS, VOCABULARY_SET_NAMES, VocabularySetName } from './vocabulary-sets';
import { vi } from './vi';

export { LABELLED_SETS, REFERENCE_LANGUAGE, UI_LANGUAGES, VOCABULARY_SET_NAMES };
export type { LanguageLabels, UiLanguage, VocabularySetName };

export const LABELS: Readonly<Record<UiLanguage, LanguageLabels>> = { en, th, my, km, lo, vi, id, ms, fil };

const UI_SET: ReadonlySet<string> = new Set(UI_LANGUAGES);
/** Other tags people's devices send for the same languages: ISO 639-2/3 codes, Tagalog for Filipino, old `in`. */
const ALIASES: Readonly<Record<string, UiLanguage>> = {
  eng: 'en',
  tha: 'th',
  mya: 'my',
  bur: 'my',
  khm: 'km',
  lao: 'lo',
  vie: 'vi',
  ind: 'id',
  in: 'id',
  msa: 'ms',
  may: 'ms',
  zsm: 'ms',
  tl: 'fil',
  tgl: 'fil',
};

export function isUiLanguage(value: unknown): value is UiLanguage {
  return typeof value === 'string' && UI_SET.has(value);
}

/** A language tag (`th`, `th-TH`, `mya`, `fil-PH`) as one of the nine, or null. */
export function uiLanguageOf(tag: string): UiLanguage | null {
  const primary = tag.trim().toLowerCase().split(/[-_]/)[0];
  if (isUiLanguage(primary)) return primary;
  return ALIASES[primary] ?? null;
}

/**
 * The language an `Accept-Language` header asks for (RFC 9110 §12.5.4): the highest q-value among the nine wins, ties
 * in the order given; `q=0` means "not this one"; English when nothing matches or the header is absent.
 */
export function negotiateLanguage(header: string | string[] | undefined | null): UiLanguage {
  const value = Array.isArray(header) ? header.join(',') : header;
  if (!value) return REFERENCE_LANGUAGE;
  const ranges = value
    .slice(0, 1024)
    .split(',')
    .slice(0, 32)
    .map((part, index) => {
      const [tag, ...params] = part.split(';');
      const qParam = params.map((p) => p.trim()).find((p) => /^q=/i.test(p));
      const q = qParam === undefined ? 1 : Number(qParam.slice(2));
      return { tag: tag.trim(), q: Number.isFinite(q) && q >= 0 && q <= 1 ? q : 0, index };
    })
    .filter((r) => r.tag && r.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const range of ranges) {
    if (range.tag === '*') return REFERENCE_LANGUAGE;
    const language = uiLanguageOf(range.tag);
    if (language) return language;
  }
  return REFERENCE_LANGUAGE;
}

/** Whether a label of a file still waits for a native speaker's review. */
export function needsReview(labels: LanguageLabels, key: string): boolean {
  return labels.needsReview && !labels.reviewed.includes(key);
}

/** The message of an error code in a language (English when a language has none, which the spec does not allow). */
export function errorMessage(language: UiLanguage, code: ErrorCode): string {
  return LABELS[language].errors[code] ?? LABELS[REFERENCE_LANGUAGE].errors[code];
}

export interface LabelledCode {
  code: string;
  label: string;
  needsReview: boolean;
}

export interface Vocabulary {
  language: UiLanguage;
  referenceLanguage: UiLanguage;
  sets: Record<VocabularySetName, LabelledCode[]>;
  errors: LabelledCode[];
}

/** Every labelled list in the vocabulary's own order, and every error code, in one language. */
export function vocabularyIn(language: UiLanguage): Vocabulary {
  const labels = LABELS[language];
  const sets = {} as Record<VocabularySetName, LabelledCode[]>;
  for (const name of VOCABULARY_SET_NAMES) {
    const own = labels.sets[name] as Record<string, string>;
    sets[name] = (LABELLED_SETS[name] as readonly string[]).map((code) => ({
      code,
      label: own[code],
      needsReview: needsReview(labels, `${name}.${code}`),
    }));
  }
  const errors = (Object.keys(ERROR_STATUS) as ErrorCode[]).map((code) => ({
    code,
    label: labels.errors[code],
    needsReview: needsReview(labels, `errors.${code}`),
  }));
  return { language, referenceLanguage: REFERENCE_LANGUAGE, sets, errors };
}

/** How many labels of each language still need a native speaker's review (the README lists these). */
export function reviewCounts(): Record<UiLanguage, { total: number; needsReview: number }> {
  const out = {} as Record<UiLanguage, { total: number; needsReview: number }>;
  for (const language of UI_LANGUAGES) {
    const v = vocabularyIn(language);
    const all = [...Object.values(v.sets).flat(), ...v.errors];
    out[language] = { total: all.length, needsReview: all.filter((l) => l.needsReview).length };
  }
  return out;
}
