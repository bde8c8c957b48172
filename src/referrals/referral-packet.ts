/**
 * What each consent data category of a referred case contains: the ONE mapping from case fields to categories. The
 * receiving organisation's GET /referrals/{id}/case and the packet a partner deployment receives are both built here,
 * from the categories consent permits at that moment only. Identity fields are decrypted only for the categories
 * served (identityFieldsFor), so a packet without "identity" never decrypts a name. Documented in docs/referrals.md.
 */
import type { CaseOpenFields } from '../cases/case-view';
import { DataCategory, IdentityField } from '../common/vocabulary';

/** The encrypted identity fields each category needs; the other categories need none. */
export const CATEGORY_IDENTITY_FIELDS: Readonly<Record<DataCategory, readonly IdentityField[]>> = {
  identity: ['givenName', 'familyName', 'dateOfBirth', 'identityDocuments'],
  contact: ['phone', 'email'],
  location: ['currentLocation'],
  health: [],
  legal: [],
  exploitation: [],
  immigration: [],
  restitution: [],
};

/** The identity fields to decrypt for these categories, and no others. */
export function identityFieldsFor(categories: readonly DataCategory[]): IdentityField[] {
  return [...new Set(categories.flatMap((c) => CATEGORY_IDENTITY_FIELDS[c]))];
}

/** Decrypted identity values (only the fields asked for are present), or null when the case's identity was erased. */
export type DisclosedIdentity = Partial<Record<IdentityField, unknown>> | null;

/** The non-identity columns the mapping reads. */
export type PacketCase = CaseOpenFields;

export type PacketData = Partial<Record<DataCategory, Record<string, unknown>>>;

const pick = (identity: DisclosedIdentity, fields: readonly IdentityField[]): Record<string, unknown> =>
  identity === null ? { erased: true } : Object.fromEntries(fields.map((f) => [f, identity[f] ?? (f === 'identityDocuments' ? [] : null)]));

const SECTIONS: Record<DataCategory, (c: PacketCase, identity: DisclosedIdentity) => Record<string, unknown>> = {
  identity: (c, identity) => ({ ...pick(identity, CATEGORY_IDENTITY_FIELDS.identity), gender: c.gender, citizenship: [...c.citizenship] }),
  contact: (_c, identity) => pick(identity, CATEGORY_IDENTITY_FIELDS.contact),
  location: (_c, identity) => pick(identity, CATEGORY_IDENTITY_FIELDS.location),
  exploitation: (c) => ({
    exploitationTypes: [...c.exploitationTypes],
    meansOfControl: [...c.meansOfControl],
    recruitmentMethods: [...c.recruitmentMethods],
    recruitmentPlatforms: [...c.recruitmentPlatforms],
    countryOfRecruitment: c.countryOfRecruitment,
    countryOfExploitation: c.countryOfExploitation,
    ageWhenTrafficked: c.ageWhenTrafficked,
  }),
  immigration: (c) => ({
    immigrationStatus: c.immigrationStatus,
    detentionStatus: c.detentionStatus,
    nonPunishmentAssessment: c.nonPunishmentAssessment,
    reflectionPeriodStart: c.reflectionPeriodStart,
    reflectionPeriodEnd: c.reflectionPeriodEnd,
  }),
  legal: (c) => ({
    traffickingStatus: c.traffickingStatus,
    traffickingStatusDecidedByOrganisationId: c.traffickingStatusDecidedByOrganisationId,
    traffickingStatusDecidedAt: c.traffickingStatusDecidedAt,
    legalProceedings: c.legalProceedings.map((p) => ({ ...p })),
  }),
  // Lintas keeps no health record yet, and restitution claims are not stored yet: the category is served, empty.
  health: () => ({}),
  restitution: () => ({}),
};

/**
 * The packet's `data`: one object per category given, nothing else. The caller passes only the categories consent
 * permits now, and an identity decrypted for exactly identityFieldsFor(those categories).
 */
export function buildPacketData(c: PacketCase, identity: DisclosedIdentity, categories: readonly DataCategory[]): PacketData {
  const data: PacketData = {};
  for (const category of new Set(categories)) data[category] = SECTIONS[category](c, identity);
  return data;
}

/**
 * The case fields each category's section reads, found by building each section once from a record that notes what
 * is read: derived from SECTIONS, so the mapping stays the one above. Field names as the case's columns
 * (`gender`, `exploitationTypes`) and identity fields (`givenName`).
 */
const CATEGORY_FIELDS: Readonly<Record<DataCategory, ReadonlySet<string>>> = (() => {
  const out = {} as Record<DataCategory, Set<string>>;
  for (const category of Object.keys(SECTIONS) as DataCategory[]) {
    const read = new Set<string>(CATEGORY_IDENTITY_FIELDS[category]);
    const noting = new Proxy({} as PacketCase, {
      get: (_t, key) => {
        if (typeof key === 'string') read.add(key);
        return [];
      },
    });
    SECTIONS[category](noting, {});
    out[category] = read;
  }
  return out;
})();

/**
 * The categories a correction touches: each field a PATCH names (`person.givenName`, `protection.immigrationStatus`,
 * `traffickingStatus`) in the category whose section carries it. A field no section carries (the case's status, its
 * protection plan) goes to no recipient.
 */
export function categoriesOfFields(fields: readonly string[]): DataCategory[] {
  const columns = fields.map(columnOf);
  return (Object.keys(CATEGORY_FIELDS) as DataCategory[]).filter((c) => columns.some((col) => CATEGORY_FIELDS[c].has(col)));
}

/** `person.givenName` → `givenName`, `exploitationTypes` → itself: the member a section carries the field under. */
const columnOf = (field: string): string => (field.includes('.') ? field.slice(field.indexOf('.') + 1) : field);

/**
 * The corrected part of each section (a rectification sent on to a partner deployment): the members a correction's
 * fields name, section by section. A section left with none (an erased identity among them) is left out.
 */
export function correctedSections(data: PacketData, fields: readonly string[]): PacketData {
  const columns = new Set(fields.map(columnOf));
  const out: PacketData = {};
  for (const [category, section] of Object.entries(data) as Array<[DataCategory, Record<string, unknown>]>) {
    const kept = Object.fromEntries(Object.entries(section).filter(([member]) => columns.has(member)));
    if (Object.keys(kept).length > 0) out[category] = kept;
  }
  return out;
}
