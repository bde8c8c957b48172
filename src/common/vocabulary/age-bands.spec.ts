import { CTDC_AGE_BANDS, ctdcAgeBand } from './age-bands';

describe('CTDC age bands', () => {
  it.each([
    [0, '0-8'],
    [8, '0-8'],
    [9, '9-17'],
    [17, '9-17'],
    [17.9, '9-17'],
    [18, '18-20'],
    [20, '18-20'],
    [21, '21-23'],
    [23, '21-23'],
    [24, '24-26'],
    [26, '24-26'],
    [27, '27-29'],
    [29, '27-29'],
    [30, '30-38'],
    [38, '30-38'],
    [39, '39-47'],
    [47, '39-47'],
    [48, '48+'],
    [97, '48+'],
  ])('put age %p in %p', (age, band) => {
    expect(ctdcAgeBand(age)).toBe(band);
  });

  it.each([[null], [undefined], [-1], [Number.NaN], [Number.POSITIVE_INFINITY]])('have no band for %p', (age) => {
    expect(ctdcAgeBand(age)).toBeNull();
  });

  it('cover every age exactly once, in order', () => {
    const seen = Array.from({ length: 120 }, (_, age) => ctdcAgeBand(age));
    expect([...new Set(seen)]).toEqual([...CTDC_AGE_BANDS]);
  });
});
