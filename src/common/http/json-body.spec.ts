import fc from 'fast-check';
import { quoteInexactIntegers } from './json-body';

const parse = (text: string): unknown => JSON.parse(quoteInexactIntegers(text));

describe('quoteInexactIntegers', () => {
  it('turns a fraction or an exponent written as an amountMinor into the string it was written as', () => {
    expect(parse('{"amount":{"currency":"THB","amountMinor":5e6}}')).toEqual({ amount: { currency: 'THB', amountMinor: '5e6' } });
    expect(parse('{"amountMinor" :\n 5000000.0}')).toEqual({ amountMinor: '5000000.0' });
    expect(parse('{"amountMinor":-2.5E+3}')).toEqual({ amountMinor: '-2.5E+3' });
    expect(parse('[{"amountMinor":1e0},{"amountMinor":2}]')).toEqual([{ amountMinor: '1e0' }, { amountMinor: 2 }]);
  });

  it('leaves integers, strings, other keys and look-alikes alone', () => {
    const texts = [
      '{"amountMinor":5000000}',
      '{"amountMinor":-5}',
      '{"amountMinor":"5e6"}',
      '{"amountMinorX":5e6,"xamountMinor":1.5,"rate":1.5}',
      '{"note":"\\"amountMinor\\": 5e6","amountMinor":7}',
      '["amountMinor", 5e6]',
      '{"a":{"amountMinor":null}}',
    ];
    for (const text of texts) expect(quoteInexactIntegers(text)).toBe(text);
  });

  it('does not make invalid JSON valid', () => {
    for (const text of [
      '{"amountMinor":5e}',
      '{"amountMinor":.5}',
      '{"amountMinor":01.5}',
      '{"amountMinor":5e6',
      '{"amountMinor":e6}',
      '{"amountMinor":1.2.3}',
    ]) {
      expect(() => JSON.parse(text) as unknown).toThrow();
      expect(() => parse(text)).toThrow();
    }
  });

  it('changes nothing but amountMinor numbers with a fraction or an exponent (property)', () => {
    // JSON built from random values, with amountMinor keys whose numbers are written in random forms.
    const lexeme = fc.oneof(
      fc.integer().map(String),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
      fc.tuple(fc.nat(999), fc.integer({ min: -5, max: 5 })).map(([m, e]) => `${m}e${e}`),
      fc.tuple(fc.nat(999), fc.nat(99)).map(([m, f]) => `${m}.${f}`),
    );
    const node: fc.Arbitrary<string> = fc.letrec<{ node: string }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue().map((v) => JSON.stringify(v)),
        lexeme.map((l) => `{"amountMinor":${l}}`),
        fc.array(tie('node'), { maxLength: 4 }).map((items) => `[${items.join(',')}]`),
        fc
          .array(fc.tuple(fc.constantFrom('amountMinor', 'amount', 'note', 'x'), tie('node')), { maxLength: 4 })
          .map((pairs) => `{${pairs.map(([k, v]) => `${JSON.stringify(k)}: ${v}`).join(', ')}}`),
      ),
    })).node;
    const sameExceptQuoted = (original: unknown, quoted: unknown, key?: string): void => {
      if (key === 'amountMinor' && typeof quoted === 'string' && typeof original === 'number') {
        expect(/[.eE]/.test(quoted)).toBe(true);
        expect(Number(quoted)).toBe(original);
        return;
      }
      if (Array.isArray(original)) {
        expect(Array.isArray(quoted)).toBe(true);
        original.forEach((v, i) => sameExceptQuoted(v, (quoted as unknown[])[i]));
      } else if (original && typeof original === 'object') {
        expect(Object.keys(quoted as object)).toEqual(Object.keys(original));
        for (const [k, v] of Object.entries(original)) sameExceptQuoted(v, (quoted as Record<string, unknown>)[k], k);
      } else {
        expect(quoted).toEqual(original);
      }
    };
    fc.assert(
      fc.property(node, (text) => {
        sameExceptQuoted(JSON.parse(text), parse(text));
      }),
    );
  });

  it('keeps invalid text invalid and valid text valid (property)', () => {
    const noise = fc.string({ unit: fc.constantFrom('{', '}', '[', ']', '"', ':', ',', ' ', '\\', '1', '.', 'e', '-', 'amountMinor') });
    fc.assert(
      fc.property(noise, (text) => {
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        let stillValid = true;
        try {
          parse(text);
        } catch {
          stillValid = false;
        }
        expect(stillValid).toBe(valid);
      }),
      { numRuns: 2000 },
    );
  });
});
