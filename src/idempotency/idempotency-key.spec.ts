import { DomainError } from '../common/errors/domain-error';
import { canonicalJson, IDEMPOTENCY_KEY_MAX, parseIdempotencyKey, requestFingerprint } from './idempotency-key';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return err instanceof DomainError ? err.code : 'other';
  }
};

describe('parseIdempotencyKey', () => {
  it('reads a bare token and a structured-field string alike', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('"8e03978e-40d5"')).toBe('8e03978e-40d5');
  });

  it.each([[''], ['""'], ['   '], ['a b'], ['naïve'], ['x'.repeat(IDEMPOTENCY_KEY_MAX + 1)], ['"unclosed'], ['a;b']])(
    'refuses %j with IDEMPOTENCY_KEY_INVALID',
    (value) => {
      expect(codeOf(() => parseIdempotencyKey(value))).toBe('IDEMPOTENCY_KEY_INVALID');
    },
  );

  it('refuses a repeated header', () => {
    expect(codeOf(() => parseIdempotencyKey(['a', 'b']))).toBe('IDEMPOTENCY_KEY_INVALID');
  });

  it('accepts the longest allowed key', () => {
    expect(parseIdempotencyKey('k'.repeat(IDEMPOTENCY_KEY_MAX))).toHaveLength(IDEMPOTENCY_KEY_MAX);
  });
});

describe('requestFingerprint', () => {
  it('ignores key order, not values, paths or methods', () => {
    const a = requestFingerprint('POST', '/api/v1/cases', { b: 1, a: { y: [1, 2], x: null } });
    expect(requestFingerprint('post', '/api/v1/cases', { a: { x: null, y: [1, 2] }, b: 1 })).toEqual(a);
    expect(requestFingerprint('POST', '/api/v1/cases', { a: { x: null, y: [2, 1] }, b: 1 })).not.toEqual(a);
    expect(requestFingerprint('POST', '/api/v1/cases?x=1', { b: 1, a: { y: [1, 2], x: null } })).not.toEqual(a);
    expect(requestFingerprint('PUT', '/api/v1/cases', { b: 1, a: { y: [1, 2], x: null } })).not.toEqual(a);
  });

  it('treats no body and an empty one as different', () => {
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson({})).toBe('{}');
  });
});
