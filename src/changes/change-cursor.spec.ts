import fc from 'fast-check';
import { DomainError } from '../common/errors/domain-error';
import { compareKeys, CURSOR_MAX_LENGTH, decodeCursor, encodeCursor } from './change-cursor';

const big = fc.bigInt({ min: 0n, max: 2n ** 63n - 1n });

describe('change feed cursor', () => {
  it('round-trips every cursor and stays within its documented length', () => {
    fc.assert(
      fc.property(big, big, fc.option(big, { nil: null }), (tx, position, fresh) => {
        const text = encodeCursor({ tx, position, fresh });
        expect(text.length).toBeLessThanOrEqual(CURSOR_MAX_LENGTH);
        expect(decodeCursor(text)).toEqual({ tx, position, fresh });
      }),
    );
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$'],
    ['another prefix', Buffer.from('c2.1.2').toString('base64url')],
    ['missing position', Buffer.from('c1.1').toString('base64url')],
    ['negative', Buffer.from('c1.-1.2').toString('base64url')],
    ['leading zero', Buffer.from('c1.01.2').toString('base64url')],
    ['too large', Buffer.from('c1.9223372036854775808.2').toString('base64url')],
    ['extra part', Buffer.from('c1.1.2.3.4').toString('base64url')],
    ['too long', 'A'.repeat(CURSOR_MAX_LENGTH + 1)],
  ])('refuses a cursor that is %s with CHANGES_CURSOR_INVALID', (_, text) => {
    expect(() => decodeCursor(text)).toThrow(DomainError);
    try {
      decodeCursor(text);
    } catch (err) {
      expect((err as DomainError).code).toBe('CHANGES_CURSOR_INVALID');
    }
  });

  it('orders by transaction, then position', () => {
    expect(compareKeys({ tx: 1n, position: 9n }, { tx: 2n, position: 1n })).toBe(-1);
    expect(compareKeys({ tx: 2n, position: 1n }, { tx: 2n, position: 1n })).toBe(0);
    expect(compareKeys({ tx: 2n, position: 3n }, { tx: 2n, position: 1n })).toBe(1);
  });
});
