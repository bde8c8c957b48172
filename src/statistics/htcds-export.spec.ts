import { EXPLOITATION_TYPES, MEANS_OF_CONTROL } from '../common/vocabulary';
import { EXTENSION_FORCED_CRIMINALITY, ExportFact, HTCDS_COLUMNS, htcdsLine } from './htcds-export';

const quasi = {
  yearOfRegistration: '2025',
  gender: 'feminine',
  ageBroad: '18-29',
  majorityStatus: 'adult',
  citizenship: 'MM',
  countryOfExploitation: 'south_eastern_asia',
};
const fact = (over: Partial<ExportFact>): ExportFact => ({
  year: 2025,
  gender: 'feminine',
  ageBand: '21-23',
  minor: false,
  citizenship: 'MM',
  countryOfExploitation: 'TH',
  exploitationTypes: [],
  meansOfControl: [],
  recruitmentMethods: [],
  ...over,
});
const row = (f: ExportFact) =>
  Object.fromEntries(
    htcdsLine(quasi, f)
      .split(',')
      .map((v, i) => [HTCDS_COLUMNS[i], v]),
  );

describe('htcdsLine', () => {
  it('writes the CTDC columns in order, quasi-identifiers from the plan, never from the fact', () => {
    const r = row(fact({ countryOfExploitation: 'TH' }));
    expect(Object.keys(r)).toEqual([...HTCDS_COLUMNS]);
    expect(r.CountryOfExploitation).toBe('south_eastern_asia');
    expect(r.ageBroad).toBe('18-29');
    expect(r.Datasource).toBe('Case Management');
  });

  it('maps forced criminality to isOtherExploit plus the Lintas extension column', () => {
    const r = row(fact({ exploitationTypes: ['forced_criminality'] }));
    expect(r).toMatchObject({ isOtherExploit: '1', isForcedLabour: '0', isSexualExploit: '0', [EXTENSION_FORCED_CRIMINALITY]: '1' });
  });

  it('leaves flags empty where nothing is recorded, and says so for means of control and recruiter', () => {
    const r = row(fact({}));
    expect(r.isForcedLabour).toBe('');
    expect(r.meansOfControlDebtBondage).toBe('');
    expect(r.meansOfControlNotSpecified).toBe('1');
    expect(r.RecruiterRelationUnknown).toBe('1');
  });

  it('maps every exploitation type and means of control to at least one flag', () => {
    for (const t of EXPLOITATION_TYPES) {
      const r = row(fact({ exploitationTypes: [t] }));
      const flags = [
        'isForcedLabour',
        'isSexualExploit',
        'isOtherExploit',
        'isForcedMarriage',
        'isForcedMilitary',
        'isOrganRemoval',
        'isSlaveryAndPractices',
      ];
      expect({ t, set: flags.filter((f) => r[f] === '1').length }).toEqual({ t, set: 1 });
    }
    for (const m of MEANS_OF_CONTROL) {
      const r = row(fact({ meansOfControl: [m] }));
      expect({ m, set: Object.entries(r).filter(([k, v]) => k.startsWith('meansOfControl') && v === '1').length }).toEqual({ m, set: 1 });
    }
  });

  it('derives recruiter relation and abduction from recruitment methods', () => {
    expect(row(fact({ recruitmentMethods: ['sold_by_family', 'abduction'] }))).toMatchObject({
      RecruiterRelationFamily: '1',
      isAbduction: '1',
      RecruiterRelationUnknown: '0',
    });
  });
});
