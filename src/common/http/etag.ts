import { DomainError } from '../errors/domain-error';

/** Weak ETag from a row version; PATCH routes require it back in If-Match. */
export const etagOf = (version: number): string => `W/"${version}"`;

export function versionFromIfMatch(ifMatch: string | undefined): number {
  if (!ifMatch) throw new DomainError('PRECONDITION_REQUIRED', 'If-Match header with the ETag from GET is required');
  const m = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!m) throw new DomainError('PRECONDITION_FAILED', 'If-Match does not match the current version');
  return Number(m[1]);
}
