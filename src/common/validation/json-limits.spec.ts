import fc from 'fast-check';
import { JSON_LIMITS, jsonLimitBreach, JsonLimits } from './json-limits';

/** Every limit the parsed value breaks (recursive: only for the small values of these specs). */
function breachesOf(value: unknown, limits: JsonLimits, depth = 0, found = new Set<string>()): Set<string> {
  if (value === null || typeof value !== 'object') return found;
  if (depth + 1 > limits.maxDepth) return found.add('depth');
  const children = Array.isArray(value) ? value : Object.values(value);
  if (Array.isArray(value) && value.length > limits.maxItems) found.add('items');
  if (!Array.isArray(value) && children.length > limits.maxMembers) found.add('members');
  for (const child of children) breachesOf(child, limits, depth + 1, found);
  return found;
}

describe('jsonLimitBreach', () => {
  it('refuses 5,000 levels of [ or {"a": before anything parses them', () => {
    expect(jsonLimitBreach('['.repeat(5000) + ']'.repeat(5000))).toEqual({ limit: 'depth', max: 32 });
    expect(jsonLimitBreach('{"a":'.repeat(5000) + '1' + '}'.repeat(5000))).toEqual({ limit: 'depth', max: 32 });
    // Not even valid JSON: refused all the same (the parser would refuse it too).
    expect(jsonLimitBreach('['.repeat(5000))).toEqual({ limit: 'depth', max: 32 });
  });

  it('counts exactly: 32 levels, 1,000 items, 1,000 members pass; one more does not', () => {
    const nest = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(jsonLimitBreach(nest(32))).toBeNull();
    expect(jsonLimitBreach(nest(33))).toEqual({ limit: 'depth', max: JSON_LIMITS.maxDepth });
    expect(jsonLimitBreach(JSON.stringify(Array(1000).fill(0)))).toBeNull();
    expect(jsonLimitBreach(JSON.stringify(Array(1001).fill(0)))).toEqual({ limit: 'items', max: 1000 });
    const object = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, [1, 2]])));
    expect(jsonLimitBreach(object(1000))).toBeNull();
    expect(jsonLimitBreach(object(1001))).toEqual({ limit: 'members', max: 1000 });
  });

  it('ignores brackets, braces, commas and escaped quotes inside strings', () => {
    const text = JSON.stringify({ note: '['.repeat(100) + ','.repeat(2000) + '\\"{{{"', list: ['a,b', '"]]]"'] });
    expect(jsonLimitBreach(text)).toBeNull();
    expect(
      jsonLimitBreach(JSON.stringify(['\\', '[[[[', '\\"'].concat(Array(10).fill('x'))), { maxDepth: 1, maxItems: 13, maxMembers: 1 }),
    ).toBeNull();
  });

  it('agrees with the limits measured on the parsed value (property)', () => {
    const limits: JsonLimits = { maxDepth: 4, maxMembers: 3, maxItems: 3 };
    const text = fc.tuple(fc.jsonValue({ maxDepth: 6 }), fc.boolean()).map(([v, pretty]) => JSON.stringify(v, null, pretty ? 1 : 0));
    fc.assert(
      fc.property(text, (t) => {
        // The scan reports the first breach in the text; the value may break others further on.
        const breach = jsonLimitBreach(t, limits);
        const all = breachesOf(JSON.parse(t), limits);
        expect(breach === null).toBe(all.size === 0);
        if (breach) expect(all.has(breach.limit)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
