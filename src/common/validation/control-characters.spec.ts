import fc from 'fast-check';
import { findControlCharacters, hasControlCharacters } from './control-characters';

describe('control characters', () => {
  it('refuses every C0 control character except tab, LF and CR', () => {
    for (let code = 0; code < 0x20; code++) {
      const allowed = code === 0x09 || code === 0x0a || code === 0x0d;
      expect([code, hasControlCharacters(`a${String.fromCharCode(code)}b`)]).toEqual([code, !allowed]);
    }
    expect(hasControlCharacters('Mercy Shelter \u007f \u0085 \u2028 ไทย')).toBe(false);
  });

  it('names the path of the first string holding one, member names included, never the text', () => {
    expect(findControlCharacters({ name: 'ok', legalProceedings: [{ caseNumber: 'ok' }, { caseNumber: 'A\u0000' }] })).toBe('legalProceedings.1.caseNumber');
    expect(findControlCharacters({ a: 'x', b: { 'bad\u0001key': 1 } })).toBe('b');
    expect(findControlCharacters({ 'bad\u0001key': 1 })).toBe('');
    expect(findControlCharacters('x\u0000', 'period')).toBe('period');
    expect(findControlCharacters({ status: ['open', 'x\u001f'] }, '')).toBe('status.1');
    expect(findControlCharacters({ a: 1, b: null, c: true, d: 'tab\tcr\rlf\n' })).toBeUndefined();
  });

  it('walks deep values without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findControlCharacters(deep)).toBe(Array(100_000).fill('0').join('.'));
  });

  it('finds a control character wherever it is put, and only then (property)', () => {
    const anyControl = (v: unknown): boolean =>
      typeof v === 'string'
        ? hasControlCharacters(v)
        : v !== null && typeof v === 'object' && Object.entries(v).some(([k, x]) => hasControlCharacters(k) || anyControl(x));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findControlCharacters(value) !== undefined).toBe(anyControl(value));
      }),
      { numRuns: 1000 },
    );
    const control = fc.integer({ min: 0, max: 0x1f }).filter((c) => ![9, 10, 13].includes(c)).map((c) => String.fromCharCode(c));
    const segment = fc.string({ minLength: 1, maxLength: 5 }).map((p) => [...p].map((ch) => (ch < ' ' || ch === '.' ? '_' : ch)).join(''));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), control, (path, c) => {
        const root: Record<string, unknown> = {};
        let at = root;
        path.slice(0, -1).forEach((p) => (at = at[p] = { before: 'fine' } as Record<string, unknown>));
        at[path[path.length - 1]] = `v${c}`;
        expect(findControlCharacters(root)).toBe(path.join('.'));
      }),
    );
  });
});
