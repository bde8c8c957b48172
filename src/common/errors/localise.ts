/**
 * The error body in the caller's language. The `code` never changes, nor `details` (field names and validation
 * constraints are for programs); only `message` is read by a person. English keeps the message the code was thrown
 * with (often more specific, "Case not found"); the other eight languages answer the code's message from its label
 * file (src/common/vocabulary/labels/<language>.ts).
 */
import { errorMessage, negotiateLanguage, REFERENCE_LANGUAGE, UiLanguage } from '../vocabulary/labels';
import { ERROR_STATUS, ErrorCode } from './error-codes';

export interface LocalisableBody {
  code: string;
  message: string;
}

export function localiseErrorBody<T extends LocalisableBody>(body: T, language: UiLanguage): T {
  if (language === REFERENCE_LANGUAGE || !(body.code in ERROR_STATUS)) return body;
  return { ...body, message: errorMessage(language, body.code as ErrorCode) };
}

/** The language of an error answer: the request's Accept-Language (q-values respected), else English. */
export function errorLanguage(headers: Record<string, string | string[] | undefined>): UiLanguage {
  return negotiateLanguage(headers['accept-language']);
}
