/**
 * The record-level export in the CTDC global-dataset column layout, and the mapping from Lintas vocabulary to those
 * columns (docs/statistics.md, "Export mapping"). Pure: the service feeds it fact rows and writes the lines it returns.
 *
 * Flags are `1`/`0`, empty where nothing is recorded (CTDC's convention for missing data). Quasi-identifiers come from
 * the k-anonymity plan (generalised, never more detailed than it allows). No identity, no free text, no id: every
 * value is a code from the vocabulary or a flag.
 */
import { CtdcExportRecord } from './disclosure';

/** One case's facts as the export reads them. */
export interface ExportFact {
  year: number;
  gender: string | null;
  ageBand: string | null;
  minor: boolean | null;
  /** The first citizenship recorded; a person with several is exported under the first. */
  citizenship: string | null;
  countryOfExploitation: string | null;
  exploitationTypes: string[];
  meansOfControl: string[];
  recruitmentMethods: string[];
}

/** The lowest age of each CTDC band: the hierarchy only needs an age that falls in the right band. */
const BAND_AGE: Readonly<Record<string, number>> = {
  '0-8': 0,
  '9-17': 9,
  '18-20': 18,
  '21-23': 21,
  '24-26': 24,
  '27-29': 27,
  '30-38': 30,
  '39-47': 39,
  '48+': 48,
};

export function quasiIdentifiers(f: ExportFact): CtdcExportRecord {
  return {
    yearOfRegistration: f.year,
    gender: f.gender,
    age: f.ageBand ? (BAND_AGE[f.ageBand] ?? null) : null,
    majorityStatus: f.minor === null ? null : f.minor ? 'minor' : 'adult',
    citizenship: f.citizenship,
    countryOfExploitation: f.countryOfExploitation,
  };
}

export const DATASOURCE = 'Case Management';

const MEANS_COLUMNS: Readonly<Record<string, string>> = {
  meansOfControlDebtBondage: 'debt_bondage',
  meansOfControlTakesEarnings: 'takes_earnings',
  meansOfControlThreats: 'threats|threats_against_family',
  meansOfControlPsychologicalAbuse: 'psychological_abuse',
  meansOfControlPhysicalAbuse: 'physical_abuse',
  meansOfControlSexualAbuse: 'sexual_abuse',
  meansOfControlFalsePromises: 'false_promises',
  meansOfControlPsychoactiveSubstances: 'psychoactive_substances',
  meansOfControlRestrictsMovement: 'restricts_movement',
  meansOfControlRestrictsMedicalCare: 'restricts_medical_care',
  meansOfControlExcessiveWorkingHours: 'excessive_working_hours',
  meansOfControlThreatOfLawEnforcement: 'threat_of_law_enforcement',
  meansOfControlWithholdsNecessities: 'withholds_necessities',
  meansOfControlWithholdsDocuments: 'withholds_documents',
  meansOfControlOther: 'isolation|other',
};

/** Lintas exploitation type → CTDC type-of-exploitation flags. forced_criminality has no CTDC value of its own. */
const EXPLOIT_COLUMNS: Readonly<Record<string, string>> = {
  isForcedLabour: 'forced_labour|child_labour|forced_begging',
  isSexualExploit: 'sexual_exploitation',
  isOtherExploit: 'forced_adoption|surrogacy|forced_criminality|other',
  isForcedMarriage: 'forced_marriage',
  isForcedMilitary: 'forced_military',
  isOrganRemoval: 'organ_removal',
  isSlaveryAndPractices: 'servitude',
};

/** Lintas does not record labour sectors or forms of sexual exploitation except begging: the rest stay empty. */
const LABOUR_COLUMNS = [
  'typeOfLabourAgriculture',
  'typeOfLabourAquafarming',
  'typeOfLabourBegging',
  'typeOfLabourConstruction',
  'typeOfLabourDomesticWork',
  'typeOfLabourHospitality',
  'typeOfLabourIllicitActivities',
  'typeOfLabourManufacturing',
  'typeOfLabourMiningOrDrilling',
  'typeOfLabourPeddling',
  'typeOfLabourOther',
  'typeOfLabourNotSpecified',
] as const;
const SEX_COLUMNS = [
  'typeOfSexProstitution',
  'typeOfSexPornography',
  'typeOfSexRemoteInteractiveServices',
  'typeOfSexPrivateSexualServices',
] as const;

const RECRUITER_COLUMNS: Readonly<Record<string, string>> = {
  RecruiterRelationIntimatePartner: 'intimate_partner',
  RecruiterRelationFriend: 'friend_or_acquaintance',
  RecruiterRelationFamily: 'family_member|sold_by_family',
  RecruiterRelationOther: 'labour_broker',
};

/** Lintas's own column, after the CTDC ones: forced criminality (scam compounds) is isOtherExploit=1 in CTDC terms. */
export const EXTENSION_FORCED_CRIMINALITY = 'lintasForcedCriminality';

export const HTCDS_COLUMNS: readonly string[] = [
  'yearOfRegistration',
  'Datasource',
  'gender',
  'ageBroad',
  'majorityStatus',
  'majorityStatusAtExploit',
  'majorityEntry',
  'citizenship',
  ...Object.keys(MEANS_COLUMNS),
  'meansOfControlNotSpecified',
  ...Object.keys(EXPLOIT_COLUMNS),
  'isSexAndLabour',
  ...LABOUR_COLUMNS,
  ...SEX_COLUMNS,
  'isAbduction',
  ...Object.keys(RECRUITER_COLUMNS),
  'RecruiterRelationUnknown',
  'CountryOfExploitation',
  EXTENSION_FORCED_CRIMINALITY,
];

const flag = (b: boolean): string => (b ? '1' : '0');
const any = (values: readonly string[], spec: string): boolean => spec.split('|').some((v) => values.includes(v));

/**
 * One CSV line (without the newline). `quasi` is the k-anonymity plan's output for this record: ageBroad, gender,
 * majorityStatus, citizenship, countryOfExploitation and yearOfRegistration are taken from it, never from the fact.
 * `blankColumns` are left empty in every row.
 */
export function htcdsLine(quasi: Readonly<Record<string, string>>, f: ExportFact, blankColumns: ReadonlySet<string> = new Set()): string {
  const cell: Record<string, string> = {
    yearOfRegistration: quasi.yearOfRegistration,
    Datasource: DATASOURCE,
    gender: quasi.gender,
    ageBroad: quasi.ageBroad,
    majorityStatus: quasi.majorityStatus,
    majorityStatusAtExploit: '',
    majorityEntry: '',
    citizenship: quasi.citizenship,
    CountryOfExploitation: quasi.countryOfExploitation,
  };
  const means = f.meansOfControl;
  for (const [column, spec] of Object.entries(MEANS_COLUMNS)) cell[column] = means.length ? flag(any(means, spec)) : '';
  cell.meansOfControlNotSpecified = flag(means.length === 0);
  const types = f.exploitationTypes;
  for (const [column, spec] of Object.entries(EXPLOIT_COLUMNS)) cell[column] = types.length ? flag(any(types, spec)) : '';
  cell.isSexAndLabour = types.length ? flag(any(types, EXPLOIT_COLUMNS.isForcedLabour) && any(types, EXPLOIT_COLUMNS.isSexualExploit)) : '';
  for (const c of LABOUR_COLUMNS) cell[c] = '';
  if (types.includes('forced_begging')) cell.typeOfLabourBegging = '1';
  for (const c of SEX_COLUMNS) cell[c] = '';
  const recruitment = f.recruitmentMethods;
  cell.isAbduction = recruitment.length ? flag(recruitment.includes('abduction')) : '';
  let relationKnown = false;
  for (const [column, spec] of Object.entries(RECRUITER_COLUMNS)) {
    const v = any(recruitment, spec);
    relationKnown ||= v;
    cell[column] = recruitment.length ? flag(v) : '';
  }
  cell.RecruiterRelationUnknown = flag(!relationKnown);
  cell[EXTENSION_FORCED_CRIMINALITY] = types.length ? flag(types.includes('forced_criminality')) : '';
  // Flags whose exploitation types the period's table hides are published as not recorded (export-audit.ts).
  for (const c of blankColumns) cell[c] = '';
  return HTCDS_COLUMNS.map((c) => csvValue(cell[c] ?? '')).join(',');
}

/** Every value is a code, a digit or a fixed word; quoting is only for the one fixed value with a space, kept general. */
function csvValue(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
