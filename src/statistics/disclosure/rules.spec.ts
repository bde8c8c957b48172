import { disclosureRules, DisclosureRulesError } from './rules';

describe('disclosure rules', () => {
  it('default to k = 11, three organisations, 80% dominance, 11 records for measures', () => {
    expect(disclosureRules()).toEqual({
      minimumCellSize: 11,
      minimumOrganisations: 3,
      dominancePercent: 80,
      minimumMeasureRecords: 11,
    });
  });

  it('let k be raised, and measures follow it up but never go below 11', () => {
    expect(disclosureRules({ minimumCellSize: 20 }).minimumMeasureRecords).toBe(20);
    expect(disclosureRules({ minimumCellSize: 5 })).toMatchObject({ minimumCellSize: 5, minimumMeasureRecords: 11 });
  });

  it.each([4, 0, -11, 10.5, Number.NaN])('refuse k = %p', (k) => {
    expect(() => disclosureRules({ minimumCellSize: k })).toThrow(DisclosureRulesError);
  });
});
