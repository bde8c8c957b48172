import { COUNTRY_CODES } from './countries';
import { SUB_REGIONS, subRegionOf } from './regions';

describe('sub-regions', () => {
  it('place every ISO 3166-1 country in exactly one sub-region', () => {
    const missing = COUNTRY_CODES.filter((c) => subRegionOf(c) === null);
    expect(missing).toEqual([]);
  });

  it('put the Mekong countries in South-eastern Asia', () => {
    for (const c of ['MM', 'LA', 'TH', 'KH', 'VN']) expect(subRegionOf(c)).toBe('south_eastern_asia');
    expect(subRegionOf('CN')).toBe('eastern_asia');
    expect(subRegionOf('BD')).toBe('southern_asia');
  });

  it('have no region for what is not a country code', () => {
    expect(subRegionOf('XX')).toBeNull();
    expect(subRegionOf('th')).toBeNull();
    expect(subRegionOf(null)).toBeNull();
  });

  it('are lower_snake_case vocabulary values', () => {
    for (const r of SUB_REGIONS) expect(r).toMatch(/^[a-z_]+$/);
  });
});
