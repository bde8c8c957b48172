import { ErrorCode } from '../../errors/error-codes';
import { LABELLED_SETS, VocabularySetName } from './vocabulary-sets';

/** The languages Lintas's labels and error messages are written in; English is the reference. */
export const UI_LANGUAGES = ['en', 'th', 'my', 'km', 'lo', 'vi', 'id', 'ms', 'fil'] as const;
export type UiLanguage = (typeof UI_LANGUAGES)[number];
export const REFERENCE_LANGUAGE: UiLanguage = 'en';

/**
 * One language file. The compiler already refuses a file that misses a code (the record types below are exhaustive);
 * labels.spec.ts checks the same at run time, and that no label is empty.
 *
 * Review: `needsReview: true` marks every label of the file as a translation not yet checked by a native speaker, except
 * the keys listed in `reviewed` (`set.code`, e.g. `caseStatuses.active`, or `errors.CODE`). A reviewer checks a label,
 * corrects it if needed and adds its key to `reviewed`; when every key is there, `needsReview` becomes false.
 */
export interface LanguageLabels {
  language: UiLanguage;
  /** The language's own name for itself. */
  name: string;
  needsReview: boolean;
  reviewed: readonly string[];
  sets: { [S in VocabularySetName]: Record<(typeof LABELLED_SETS)[S][number], string> };
  /** One message per error code: what the error body's `message` says in this language. */
  errors: Record<ErrorCode, string>;
}
