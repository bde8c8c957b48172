/**
 * The person's access report as plain text a caseworker can print or read out (pure). Codes are shown with their
 * label in the report's language, from the vocabulary labels; headings come from report-headings.ts. Free text the
 * person or the organisation wrote (names, reasons) is shown as written.
 */
import { formatMoney, parseMoney } from '../common/money/money';
import { LABELS, UiLanguage, VocabularySetName } from '../common/vocabulary/labels';
import { categoriesOfFields } from '../referrals/referral-packet';
import { SubjectAccessReportDto } from './dto/rights.dto';
import { HEADINGS } from './report-headings';

export function renderReportText(report: SubjectAccessReportDto, language: UiLanguage): string {
  const h = HEADINGS[language];
  const sets = LABELS[language].sets as Record<VocabularySetName, Record<string, string>>;
  const label = (set: VocabularySetName, code: string | null | undefined): string => (code ? (sets[set][code] ?? code) : h.none);
  const labels = (set: VocabularySetName, codes: readonly string[]): string =>
    codes.length ? codes.map((c) => label(set, c)).join(', ') : h.none;
  const lines: string[] = [];
  const section = (title: string) => lines.push('', title, '-'.repeat(Math.min(60, [...title].length)));
  const c = report.case;

  lines.push(h.title, '='.repeat(Math.min(60, [...h.title].length)));
  lines.push(`${h.reference}: ${c.reference}`, `${h.generatedAt}: ${report.generatedAt.slice(0, 10)}`);

  section(h.identity);
  const identity = c.person.identity;
  if (!identity) lines.push(h.none);
  else if ('erased' in identity) lines.push(`${h.erased} (${identity.erasedAt.slice(0, 10)})`);
  else if ('withheld' in identity) lines.push(h.withheld);
  else {
    const i = identity;
    const name = [i.givenName, i.familyName].filter(Boolean).join(' ');
    if (name) lines.push(name);
    if (i.dateOfBirth) lines.push(i.dateOfBirth);
    for (const d of i.identityDocuments) lines.push(`${d.type} ${d.number} (${d.country})`);
    for (const v of [i.phone, i.email, i.currentLocation]) if (v) lines.push(v);
  }
  lines.push(`${label('genders', c.person.gender)} · ${c.person.citizenship.join(', ') || h.none}`);

  section(h.facts);
  lines.push(`${label('caseStatuses', c.status)} · ${label('traffickingStatuses', c.traffickingStatus)}`);
  lines.push(labels('exploitationTypes', c.exploitationTypes));
  if (c.meansOfControl.length) lines.push(labels('meansOfControl', c.meansOfControl));
  if (c.protection.immigrationStatus) lines.push(label('immigrationStatuses', c.protection.immigrationStatus));

  section(h.consents);
  if (report.consents.length === 0) lines.push(h.none);
  for (const consent of report.consents) {
    lines.push(`* ${consent.recordedAt.slice(0, 10)} · ${label('consentStatuses', consent.status)}`);
    if (consent.withdrawnAt)
      lines.push(`  ${consent.withdrawnAt.slice(0, 10)}${consent.withdrawalReason ? ` · ${consent.withdrawalReason}` : ''}`);
    for (const p of consent.provisions) {
      lines.push(
        `  ${label('provisionEffects', p.effect)}: ${labels('dataCategories', p.dataCategories)} → ${labels('consentPurposes', p.purposes)} (${p.validUntil.slice(0, 10)})`,
      );
    }
  }

  section(h.restrictions);
  if (report.restrictions.length === 0) lines.push(h.none);
  for (const r of report.restrictions) {
    lines.push(`* ${r.restrictedAt.slice(0, 10)}${r.liftedAt ? ` – ${r.liftedAt.slice(0, 10)}` : ''}${r.reason ? ` · ${r.reason}` : ''}`);
  }

  section(h.corrections);
  if (report.corrections.length === 0) lines.push(h.none);
  for (const k of report.corrections) {
    // What was corrected, by the categories a recipient knows (the packet's mapping); the values stay in the JSON.
    const categories = categoriesOfFields(k.fields);
    const what = categories.length ? labels('dataCategories', categories) : h.otherDetails;
    lines.push(`* ${k.correctedAt.slice(0, 10)} · ${what} · ${label('roles', k.correctedByRole)}`);
  }

  section(h.claims);
  if (report.restitutionClaims.length === 0) lines.push(h.none);
  for (const claim of report.restitutionClaims) {
    // Amounts are kept in minor units: shown in the currency's own units, and said to be awarded or only claimed.
    const [kind, money] = claim.awarded ? (['awarded', claim.awarded] as const) : (['claimed', claim.claimed] as const);
    const amount = formatMoney(parseMoney(money));
    lines.push(`* ${label('restitutionRoutes', claim.route)} · ${label('claimStatuses', claim.status)} · ${h[kind]} ${amount}`);
  }

  section(h.recipients);
  if (report.recipients.length === 0) lines.push(h.none);
  for (const r of report.recipients) {
    const where = r.deployment
      ? `${r.organisation.name} (${r.organisation.country}, ${r.deployment.name})`
      : `${r.organisation.name} (${r.organisation.country})`;
    lines.push(`* ${r.sentAt.slice(0, 10)} · ${where} · ${label('referralStatuses', r.status)}`);
    lines.push(`  ${labels('dataCategories', r.dataCategories)} → ${label('consentPurposes', r.purpose)}`);
  }

  section(h.claimRecipients);
  if (report.claimRecipients.length === 0) lines.push(h.none);
  for (const r of report.claimRecipients) {
    const when = `${r.from.slice(0, 10)}${r.until ? ` – ${r.until.slice(0, 10)}` : ''}`;
    lines.push(`* ${when} · ${r.organisation.name} (${r.organisation.country}) · ${label('claimRecipientRoles', r.role)}`);
    lines.push(`  ${label('responsibilityCauses', r.cause)} · ${labels('dataCategories', r.dataCategories)}`);
  }
  return `${lines.join('\n')}\n`;
}
