/**
 * UN M49 sub-regions (for Sub-Saharan Africa and Latin America the M49 sub-region, not the intermediate region), as a
 * coarser level for countries where a country would single a person out (the anonymised export). Kosovo (XK) and
 * Taiwan (TW), which M49 does not list, are placed geographically; Antarctica has a region of its own.
 */
const MEMBERS = {
  northern_africa: 'DZ EG LY MA SD TN EH',
  sub_saharan_africa:
    'IO BI KM DJ ER ET TF KE MG MW MU YT MZ RE RW SC SO SS UG TZ ZM ZW AO CM CF TD CG CD GQ GA ST BW SZ LS NA ZA ' +
    'BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG',
  latin_america_and_the_caribbean:
    'AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI BZ CR SV GT HN MX NI PA ' +
    'AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE',
  northern_america: 'BM CA GL PM US',
  central_asia: 'KZ KG TJ TM UZ',
  eastern_asia: 'CN HK MO KP JP MN KR TW',
  south_eastern_asia: 'BN KH ID LA MY MM PH SG TH TL VN',
  southern_asia: 'AF BD BT IN IR MV NP PK LK',
  western_asia: 'AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE',
  eastern_europe: 'BY BG CZ HU PL MD RO RU SK UA',
  northern_europe: 'AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB',
  southern_europe: 'AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES XK',
  western_europe: 'AT BE FR DE LI LU MC NL CH',
  australia_and_new_zealand: 'AU CX CC HM NZ NF',
  melanesia: 'FJ NC PG SB VU',
  micronesia: 'GU KI MH FM NR MP PW UM',
  polynesia: 'AS CK PF NU PN WS TK TO TV WF',
  antarctica: 'AQ',
} as const;

export type SubRegion = keyof typeof MEMBERS;
export const SUB_REGIONS = Object.keys(MEMBERS) as SubRegion[];

const BY_COUNTRY = new Map<string, SubRegion>();
for (const region of SUB_REGIONS) for (const country of MEMBERS[region].split(' ')) BY_COUNTRY.set(country, region);

/** The sub-region of an ISO 3166-1 alpha-2 code; null for anything else. */
export function subRegionOf(country: string | null | undefined): SubRegion | null {
  return (country && BY_COUNTRY.get(country)) || null;
}

/**
 * The country list of the referral tables' country pairs: each country of South-eastern Asia (where Lintas works), and
 * `other` for every other country. 12 × 12 pairs keep the table's shape fixed and small; a full 250 × 250 grid would
 * publish 62,500 mostly-empty cells whose zeros say which rare corridors exist.
 */
export const REFERRAL_PAIR_COUNTRIES: readonly string[] = [...MEMBERS.south_eastern_asia.split(' '), 'other'];

/** A country as the referral tables group it: itself in South-eastern Asia, else `other`. */
export function referralPairCountry(country: string | null | undefined): string {
  return country && MEMBERS.south_eastern_asia.split(' ').includes(country) ? country : 'other';
}
