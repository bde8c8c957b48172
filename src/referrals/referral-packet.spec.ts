import fc from 'fast-check';
import { evaluateCategories, EvaluatedConsent, EvaluatedProvision } from '../consent/consent-evaluator';
import { CONSENT_PURPOSES, DATA_CATEGORIES, DataCategory, IDENTITY_FIELDS, IdentityField } from '../common/vocabulary';
import {
  buildPacketData,
  categoriesOfFields,
  CATEGORY_IDENTITY_FIELDS,
  correctedSections,
  identityFieldsFor,
  PacketCase,
} from './referral-packet';

const ORG = 'org-receiver';
const T = (day: number) => new Date(Date.UTC(2026, 0, 1 + day));

const kase: PacketCase = {
  gender: 'feminine',
  citizenship: ['MM'],
  traffickingStatus: 'actual',
  traffickingStatusDecidedByOrganisationId: 'org-sender',
  traffickingStatusDecidedAt: '2026-01-02',
  exploitationTypes: ['forced_criminality'],
  meansOfControl: [],
  recruitmentMethods: [],
  recruitmentPlatforms: [],
  countryOfRecruitment: 'MM',
  countryOfExploitation: 'KH',
  ageWhenTrafficked: 22,
  immigrationStatus: null,
  detentionStatus: null,
  nonPunishmentAssessment: null,
  reflectionPeriodStart: null,
  reflectionPeriodEnd: null,
  legalProceedings: [],
};
const identity: Record<IdentityField, unknown> = {
  givenName: 'Aye',
  familyName: 'Mya',
  dateOfBirth: '2001-04-12',
  identityDocuments: [{ type: 'passport', number: 'MA1234567', country: 'MM' }],
  phone: '+66 81 000 0000',
  email: null,
  currentLocation: 'Mercy Shelter, Bangkok',
};
const only = (fields: readonly IdentityField[]) =>
  Object.fromEntries(fields.map((f) => [f, identity[f]])) as Record<IdentityField, unknown>;

const provisionArb: fc.Arbitrary<EvaluatedProvision> = fc.record({
  effect: fc.constantFrom('permit' as const, 'permit' as const, 'deny' as const),
  recipientOrganisationId: fc.constantFrom(ORG, 'org-other'),
  recipientCountry: fc.constant(null),
  purposes: fc.subarray([...CONSENT_PURPOSES], { minLength: 1 }),
  dataCategories: fc.subarray([...DATA_CATEGORIES], { minLength: 1 }),
  validFrom: fc.integer({ min: 0, max: 10 }).map(T),
  validUntil: fc.integer({ min: 5, max: 30 }).map(T),
});
const consentsArb: fc.Arbitrary<EvaluatedConsent[]> = fc.array(
  fc.record({
    id: fc.uuid(),
    status: fc.constantFrom('active' as const, 'active' as const, 'withdrawn' as const),
    withdrawnAt: fc.constant(null),
    provisions: fc.array(provisionArb, { minLength: 1, maxLength: 3 }),
  }),
  { maxLength: 4 },
);

describe('the referral packet', () => {
  it('maps every category to a section, and identity fields only to identity, contact and location', () => {
    expect(Object.keys(CATEGORY_IDENTITY_FIELDS).sort()).toEqual([...DATA_CATEGORIES].sort());
    expect(Object.values(CATEGORY_IDENTITY_FIELDS).flat().sort()).toEqual([...IDENTITY_FIELDS].sort());
    const all = buildPacketData(kase, identity, DATA_CATEGORIES);
    expect(Object.keys(all).sort()).toEqual([...DATA_CATEGORIES].sort());
    expect(all.identity).toEqual({ ...only(CATEGORY_IDENTITY_FIELDS.identity), gender: 'feminine', citizenship: ['MM'] });
    expect(all.contact).toEqual({ phone: '+66 81 000 0000', email: null });
    expect(all.location).toEqual({ currentLocation: 'Mercy Shelter, Bangkok' });
    expect(all.health).toEqual({});
  });

  it('says so when the identity was erased, without failing', () => {
    expect(buildPacketData(kase, null, ['identity', 'contact'])).toEqual({
      identity: { erased: true, gender: 'feminine', citizenship: ['MM'] },
      contact: { erased: true },
    });
  });

  it('property: whatever the consents, the data holds only permitted categories, and only their identity fields are decrypted', () => {
    fc.assert(
      fc.property(
        consentsArb,
        fc.constantFrom(...CONSENT_PURPOSES),
        fc.subarray([...DATA_CATEGORIES], { minLength: 1 }),
        fc.integer({ min: 0, max: 35 }),
        (consents, purpose, requested, day) => {
          const { permitted } = evaluateCategories(consents, {
            recipientOrganisationId: ORG,
            recipientCountry: 'MM',
            purpose,
            categories: requested,
            at: T(day),
          });
          const fields = identityFieldsFor(permitted);
          // What ReferredCaseReader.readCase does: decrypt exactly these fields, build from the permitted categories.
          const data = buildPacketData(kase, only(fields), permitted);
          const keys = Object.keys(data) as DataCategory[];
          expect(keys.every((k) => permitted.includes(k))).toBe(true);
          expect(keys.every((k) => requested.includes(k))).toBe(true);
          for (const f of fields) expect(permitted.some((c) => CATEGORY_IDENTITY_FIELDS[c].includes(f))).toBe(true);
          const text = JSON.stringify(data);
          if (!permitted.includes('identity')) expect(text).not.toMatch(/Aye|Mya|MA1234567|2001-04-12/);
          if (!permitted.includes('contact')) expect(text).not.toContain('+66');
          if (!permitted.includes('location')) expect(text).not.toContain('Mercy Shelter');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("categoriesOfFields (what a correction touches, by the packet's own mapping)", () => {
  it('maps each field a PATCH names to the category whose section carries it', () => {
    expect(categoriesOfFields(['person.familyName'])).toEqual(['identity']);
    expect(categoriesOfFields(['person.gender', 'person.phone'])).toEqual(['identity', 'contact']);
    expect(categoriesOfFields(['person.currentLocation'])).toEqual(['location']);
    expect(categoriesOfFields(['exploitationTypes', 'protection.immigrationStatus'])).toEqual(['exploitation', 'immigration']);
    expect(categoriesOfFields(['traffickingStatus', 'legalProceedings'])).toEqual(['legal']);
  });

  it('maps a field no section carries to no category', () => {
    expect(categoriesOfFields(['status', 'protection.riskLevel'])).toEqual([]);
  });

  it('agrees with buildPacketData: every identity field of a category maps back to it', () => {
    for (const [category, fields] of Object.entries(CATEGORY_IDENTITY_FIELDS))
      for (const f of fields) expect(categoriesOfFields([`person.${f}`])).toEqual([category]);
  });
});

describe('correctedSections (what a rectification carries to a partner deployment)', () => {
  it('keeps, section by section, only the members the correction named; an empty or erased section is left out', () => {
    const data = {
      identity: { givenName: 'Aye', familyName: 'New', gender: 'female' },
      exploitation: { exploitationTypes: ['forced_labour'], meansOfControl: [] },
      location: { erased: true },
    };
    expect(correctedSections(data, ['person.familyName', 'exploitationTypes', 'person.currentLocation'])).toEqual({
      identity: { familyName: 'New' },
      exploitation: { exploitationTypes: ['forced_labour'] },
    });
    expect(correctedSections(data, ['protection.riskLevel'])).toEqual({});
  });
});
