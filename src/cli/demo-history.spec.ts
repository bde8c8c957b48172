import { historyCase, quarterStart } from './demo-history';

describe('demo history', () => {
  it('gives every value shown in the tables at least 12 cases from all four shelters, in every quarter size', () => {
    for (let n = 24; n <= 46; n += 2) {
      const cells = new Map<string, Set<number>>();
      const counts = new Map<string, number>();
      for (let i = 0; i < n; i++) {
        const c = historyCase('2025-Q1', i);
        for (const key of [
          `gender:${c.person.gender}:${c.ageWhenTrafficked}`,
          `status:${c.traffickingStatus}`,
          `type:${c.exploitationTypes[0]}`,
          `citizenship:${c.person.citizenship[0]}`,
          `country:${c.countryOfExploitation}`,
        ]) {
          counts.set(key, (counts.get(key) ?? 0) + 1);
          cells.set(key, (cells.get(key) ?? new Set()).add(i % 4));
        }
      }
      for (const [key, count] of counts) {
        expect({ n, key, atLeast12: count >= 12, shelters: cells.get(key)!.size }).toEqual({ n, key, atLeast12: true, shelters: 4 });
      }
    }
  });

  it('names people as obviously made up', () => {
    expect(historyCase('2024-Q3', 6).person).toMatchObject({ givenName: 'Demo Person 2024-Q3-07', familyName: 'Fictional' });
  });

  it('counts quarters back across years', () => {
    const now = new Date('2026-02-10T00:00:00Z');
    expect(quarterStart(now, 0).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(quarterStart(now, 1).toISOString()).toBe('2025-10-01T00:00:00.000Z');
    expect(quarterStart(now, 12).toISOString()).toBe('2023-01-01T00:00:00.000Z');
  });
});
