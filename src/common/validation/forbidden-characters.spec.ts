import fc from 'fast-check';
import { findForbiddenCharacters, hasForbiddenCharacters } from './forbidden-characters';

describe('forbidden characters', () => {
  it('refuses every C0 control character except tab, LF and CR', () => {
    for (let code = 0; code < 0x20; code++) {
      const allowed = code === 0x09 || code === 0x0a || code === 0x0d;
      expect([code, hasForbiddenCharacters(`a${String.fromCharCode(code)}b`)]).toEqual([code, !allowed]);
    }
    expect(hasForbiddenCharacters('Mercy Shelter \u007f \u0085 \u2028 ไทย')).toBe(false);
  });

  it('refuses unpaired surrogates, and only those', () => {
    for (const bad of ['\ud800', 'a\udbffb', '\udc00', 'x\udfff', '\ud83d\ud83d\ude00'.slice(0, 2), '\ude00\ud83d'])
      expect([bad, hasForbiddenCharacters(bad)]).toEqual([bad, true]);
    for (const good of ['😀', 'a\ud83d\ude00b', '\u{10ffff}', '\ud800\udc00']) expect(hasForbiddenCharacters(good)).toBe(false);
  });

  it('names the path of the first string holding one, member names included, never the text', () => {
    expect(findForbiddenCharacters({ name: 'ok', legalProceedings: [{ caseNumber: 'ok' }, { caseNumber: 'A\u0000' }] })).toBe(
      'legalProceedings.1.caseNumber',
    );
    expect(findForbiddenCharacters({ a: 'x', b: { 'bad\u0001key': 1 } })).toBe('b');
    expect(findForbiddenCharacters({ 'bad\u0001key': 1 })).toBe('');
    expect(findForbiddenCharacters('x\u0000', 'period')).toBe('period');
    expect(findForbiddenCharacters({ status: ['open', 'x\u001f'] }, '')).toBe('status.1');
    expect(findForbiddenCharacters({ a: 1, b: null, c: true, d: 'tab\tcr\rlf\n' })).toBeUndefined();
  });

  it('walks deep values without recursion', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findForbiddenCharacters(deep)).toBe(Array(100_000).fill('0').join('.'));
  });

  it('finds a control character wherever it is put, and only then (property)', () => {
    const anyControl = (v: unknown): boolean =>
      typeof v === 'string'
        ? hasForbiddenCharacters(v)
        : v !== null && typeof v === 'object' && Object.entries(v).some(([k, x]) => hasForbiddenCharacters(k) || anyControl(x));
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(findForbiddenCharacters(value) !== undefined).toBe(anyControl(value));
      }),
      { numRuns: 1000 },
    );
    const control = fc
      .integer({ min: 0, max: 0x1f })
      .filter((c) => ![9, 10, 13].includes(c))
      .map((c) => String.fromCharCode(c));
    const segment = fc.string({ minLength: 1, maxLength: 5 }).map((p) => [...p].map((ch) => (ch < ' ' || ch === '.' ? '_' : ch)).join(''));
    fc.assert(
      fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), control, (path, c) => {
        const root: Record<string, unknown> = {};
        let at = root;
        path.slice(0, -1).forEach((p) => (at = at[p] = { before: 'fine' } as Record<string, unknown>));
        at[path[path.length - 1]] = `v${c}`;
        expect(findForbiddenCharacters(root)).toBe(path.join('.'));
      }),
    );
  });
});
