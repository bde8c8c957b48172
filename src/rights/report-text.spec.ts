import { UI_LANGUAGES, LABELS } from '../common/vocabulary/labels';
import { SubjectAccessReportDto } from './dto/rights.dto';
import { HEADING_KEYS, HEADINGS, HEADINGS_NEED_REVIEW } from './report-headings';
import { renderReportText } from './report-text';
import { preferredLanguage } from './subject-access.service';

const report = (): SubjectAccessReportDto =>
  ({
    generatedAt: '2026-12-06T04:00:00.000Z',
    language: 'km',
    case: {
      reference: 'TH-2026-000123',
      status: 'active',
      person: {
        identity: { erased: true, erasedAt: '2026-11-01T00:00:00.000Z' },
        gender: 'feminine',
        citizenship: ['KH'],
        languages: ['khm'],
      },
      traffickingStatus: 'actual',
      exploitationTypes: ['forced_criminality'],
      meansOfControl: [],
      protection: { immigrationStatus: null },
    },
    consents: [],
    restrictions: [],
    corrections: [],
    claimRecipients: [],
    restitutionClaims: [],
    recipients: [
      {
        organisation: { id: 'o', name: 'Phnom Penh Reception', country: 'KH', node: 'remote' },
        deployment: { partnerId: 'p', nodeId: 'kh', name: 'Lintas Cambodia' },
        purpose: 'repatriation',
        dataCategories: ['identity'],
        status: 'received',
        sentAt: '2026-10-01T00:00:00.000Z',
      },
    ],
  }) as unknown as SubjectAccessReportDto;

describe('the plain-text access report', () => {
  it('has every heading in every language, none empty, and English is the only reviewed one', () => {
    for (const language of UI_LANGUAGES)
      for (const key of HEADING_KEYS) expect({ language, key, ok: !!HEADINGS[language][key]?.trim() }).toEqual({ language, key, ok: true });
    expect([...HEADINGS_NEED_REVIEW].sort()).toEqual(UI_LANGUAGES.filter((l) => l !== 'en').sort());
  });

  it('labels codes in the report language and shows the recipient with its deployment', () => {
    const text = renderReportText(report(), 'km');
    expect(text).toContain(HEADINGS.km.title);
    expect(text).toContain(HEADINGS.km.erased);
    expect(text).toContain(LABELS.km.sets.exploitationTypes.forced_criminality);
    expect(text).toContain(LABELS.km.sets.consentPurposes.repatriation);
    expect(text).toContain('Phnom Penh Reception (KH, Lintas Cambodia)');
    expect(text).not.toContain('forced_criminality');
  });

  it('shows a claim in the currency’s own units, saying whether it was awarded or only claimed', () => {
    const claim = { route: 'civil_claim', status: 'filed', claimed: { currency: 'THB', amountMinor: '5000000' }, awarded: null };
    const withClaims = (claims: unknown[]) => ({ ...report(), restitutionClaims: claims }) as unknown as SubjectAccessReportDto;
    const filed = renderReportText(withClaims([claim]), 'en');
    expect(filed).toContain(`${LABELS.en.sets.restitutionRoutes.civil_claim} · `);
    expect(filed).toContain('claimed 50,000.00 THB');
    expect(filed).not.toContain('5000000');
    const awarded = renderReportText(withClaims([{ ...claim, awarded: { currency: 'VND', amountMinor: '1500000' } }]), 'en');
    expect(awarded).toContain('awarded 1,500,000 VND');
  });

  it('lists the corrections (date, categories, who) and the organisations that handled a claim, labelled', () => {
    const text = renderReportText(
      {
        ...report(),
        corrections: [
          { correctedAt: '2026-12-01T08:00:00.000Z', fields: ['person.familyName', 'exploitationTypes'], correctedByRole: 'caseworker' },
          { correctedAt: '2026-11-01T08:00:00.000Z', fields: ['protection.riskLevel'], correctedByRole: 'supervisor' },
        ],
        claimRecipients: [
          {
            organisation: { id: 'o', name: 'Chiang Mai Legal Aid', country: 'TH', node: 'local' },
            role: 'survivor_contact',
            cause: 'survivor_contact_recorded',
            dataCategories: ['restitution'],
            from: '2026-10-01T00:00:00.000Z',
            until: null,
          },
        ],
      } as unknown as SubjectAccessReportDto,
      'th',
    );
    const th = LABELS.th.sets;
    expect(text).toContain(HEADINGS.th.corrections);
    expect(text).toContain(`* 2026-12-01 · ${th.dataCategories.identity}, ${th.dataCategories.exploitation} · ${th.roles.caseworker}`);
    expect(text).toContain(`* 2026-11-01 · ${HEADINGS.th.otherDetails} · ${th.roles.supervisor}`);
    expect(text).toContain(HEADINGS.th.claimRecipients);
    expect(text).toContain(`* 2026-10-01 · Chiang Mai Legal Aid (TH) · ${th.claimRecipientRoles.survivor_contact}`);
    expect(text).toContain(th.responsibilityCauses.survivor_contact_recorded);
    expect(text).not.toContain('survivor_contact');
    expect(text).not.toContain('familyName');
  });

  it('takes the first of the person’s languages that has labels, else English', () => {
    expect(preferredLanguage(['shn', 'mya', 'tha'])).toBe('my');
    expect(preferredLanguage(['shn'])).toBe('en');
    expect(preferredLanguage([])).toBe('en');
  });
});
