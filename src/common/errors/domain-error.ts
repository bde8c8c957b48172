import { ErrorCode } from './error-codes';

/** A failure the caller can act on. The message and details must never hold personal data. */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown> | Array<Record<string, unknown>>,
  ) {
    super(message);
  }
}

export const notFound = (what = 'Record'): DomainError => new DomainError('NOT_FOUND', `${what} not found`);
