/**
 * The feed's cursor: where a client is in the change log, in the order the feed serves it (transaction id, then
 * position), plus, during a sync from scratch, the transaction horizon the sync started at. Opaque to clients
 * (base64url of `c1.<tx>.<position>[.<fresh horizon>]`): they store it and send it back. It holds no secret and no
 * organisation: a cursor only says where to continue, and the feed filters by the caller.
 */
import { DomainError } from '../common/errors/domain-error';

export interface ChangeCursor {
  tx: bigint;
  position: bigint;
  /** Set while a sync from scratch has not passed the horizon it started at: rows below it that the caller does not see are not sent as `gone`. */
  fresh: bigint | null;
}

export const CURSOR_MAX_LENGTH = 120;
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]{1,120}$';

const DIGITS = /^(0|[1-9][0-9]{0,18})$/;
const MAX = 2n ** 63n - 1n;

function number(text: string | undefined): bigint | null {
  if (text === undefined || !DIGITS.test(text)) return null;
  const n = BigInt(text);
  return n <= MAX ? n : null;
}

export function encodeCursor(c: ChangeCursor): string {
  const parts = ['c1', c.tx.toString(), c.position.toString()];
  if (c.fresh !== null) parts.push(c.fresh.toString());
  return Buffer.from(parts.join('.'), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): ChangeCursor {
  const invalid = () =>
    new DomainError('CHANGES_CURSOR_INVALID', 'The since cursor is not one this feed handed out', { parameter: 'since' });
  if (text.length > CURSOR_MAX_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw invalid();
  const raw = Buffer.from(text, 'base64url').toString('utf8');
  // Re-encoding must give the same text back: no padding tricks, no trailing bits.
  if (Buffer.from(raw, 'utf8').toString('base64url') !== text) throw invalid();
  const parts = raw.split('.');
  if (parts[0] !== 'c1' || parts.length < 3 || parts.length > 4) throw invalid();
  const tx = number(parts[1]);
  const position = number(parts[2]);
  const fresh = parts.length === 4 ? number(parts[3]) : null;
  if (tx === null || position === null || (parts.length === 4 && fresh === null)) throw invalid();
  return { tx, position, fresh };
}

/** (tx, position) order, the order the feed serves rows in. */
export function compareKeys(a: { tx: bigint; position: bigint }, b: { tx: bigint; position: bigint }): number {
  if (a.tx !== b.tx) return a.tx < b.tx ? -1 : 1;
  if (a.position !== b.position) return a.position < b.position ? -1 : 1;
  return 0;
}
