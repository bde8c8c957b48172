import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CaseCorrections } from '../cases/case-corrections.service';
import { CaseReads } from '../cases/case-reads.service';
import { CaseRestrictions } from '../cases/case-restrictions.service';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { PageQueryDto } from '../common/http/pagination';
import { REFERENCE_LANGUAGE, uiLanguageOf, UiLanguage } from '../common/vocabulary/labels';
import { AppConfig } from '../config/app-config';
import { ConsentRecordsService } from '../consent/consent-records.service';
import { ConsentResponseDto, ListConsentsQueryDto } from '../consent/dto/consent.dto';
import { ReferralRecipients } from '../referrals/referral-recipients';
import { RestitutionClaimResponseDto } from '../restitution/dto/restitution-response.dto';
import { ClaimResponsibility } from '../restitution/claim-responsibility.service';
import { RestitutionClaims } from '../restitution/restitution-claims.service';
import { findOrganisation } from '../organisations/organisation-reads';
import { ClaimRecipientDto, RecipientsResponseDto, SubjectAccessReportDto } from './dto/rights.dto';

/**
 * The person's rights of access, exercised through a caseworker or supervisor of the organisation that owns the case
 * (the person has no login): who received their data, and everything held about them. Composed from the modules that
 * hold each part, each asked with the caller as actor, so their access rules (404 for another organisation's case, a
 * danger-flagged identity withheld from a supervisor) apply unchanged. Every report is audited (ids and counts only).
 */
@Injectable()
export class SubjectAccessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cases: CasesService,
    private readonly caseReads: CaseReads,
    private readonly restrictions: CaseRestrictions,
    private readonly corrections: CaseCorrections,
    private readonly consents: ConsentRecordsService,
    private readonly claims: RestitutionClaims,
    private readonly responsibility: ClaimResponsibility,
    private readonly recipients: ReferralRecipients,
    private readonly audit: AuditService,
  ) {}

  async recipientsOf(actor: Actor, caseId: string): Promise<RecipientsResponseDto> {
    const em = this.dataSource.manager;
    const record = await this.cases.findAccessible(em, actor, caseId);
    const items = await this.recipients.forCase(em, caseId);
    const claimRecipients = await this.claimRecipientsOf(em, caseId, record.ownerOrganisationId);
    await this.audit.record(em, actor, {
      action: 'case.read_recipients',
      recordType: 'case',
      recordId: caseId,
      details: { recipients: items.length, claimRecipients: claimRecipients.length },
    });
    return { caseId, reference: record.reference, items, claimRecipients };
  }

  async report(actor: Actor, caseId: string, language?: UiLanguage): Promise<SubjectAccessReportDto> {
    const em = this.dataSource.manager;
    // The case as GET /cases/{id} serves it: 404 out of scope, identity opened where the rule allows, the read audited.
    const kase = await this.caseReads.get(actor, caseId);
    const consents = await this.allConsents(actor, caseId);
    const restitutionClaims = await this.allClaims(actor, caseId);
    const restrictions = await this.restrictions.history(em, caseId);
    // Old values of the identity only where the case's identity is shown to this reader (not withheld, not erased).
    const identityShown = !!kase.person.identity && !('withheld' in kase.person.identity) && !('erased' in kase.person.identity);
    const corrections = await this.corrections.history(em, caseId, { identity: identityShown });
    const recipients = await this.recipients.forCase(em, caseId);
    const claimRecipients = await this.claimRecipientsOf(em, caseId, kase.ownerOrganisationId);
    const chosen = language ?? preferredLanguage(kase.person.languages);
    await this.audit.record(em, actor, {
      action: 'case.subject_access_report',
      recordType: 'case',
      recordId: caseId,
      details: {
        language: chosen,
        consents: consents.length,
        claims: restitutionClaims.length,
        recipients: recipients.length,
        corrections: corrections.length,
      },
    });
    return {
      generatedAt: new Date().toISOString(),
      language: chosen,
      case: kase,
      consents,
      restrictions,
      corrections,
      restitutionClaims,
      recipients,
      claimRecipients,
    };
  }

  /** The organisations that held a claim of the case (responsible or survivor's contact), named. */
  private async claimRecipientsOf(em: EntityManager, caseId: string, ownerOrganisationId: string): Promise<ClaimRecipientDto[]> {
    const held = await this.responsibility.recipientsOfCase(em, caseId, ownerOrganisationId);
    const names = new Map<string, ClaimRecipientDto['organisation'] | null>();
    for (const id of new Set(held.map((h) => h.organisationId))) {
      const org = await findOrganisation(em, { id });
      names.set(id, org ? { id: org.id, name: org.name, country: org.country, node: org.node } : null);
    }
    return held.flatMap(({ organisationId, ...rest }) => {
      const organisation = names.get(organisationId);
      return organisation ? [{ ...rest, organisation, dataCategories: ['restitution' as const] }] : [];
    });
  }

  /** Every consent, newest first; a withdrawn one with its reason (opened under the case key). */
  private async allConsents(actor: Actor, caseId: string): Promise<ConsentResponseDto[]> {
    const out: ConsentResponseDto[] = [];
    const limit = this.config.http.listLimitMax;
    for (let page = 1; ; page++) {
      const batch = await this.consents.list(actor, caseId, Object.assign(new ListConsentsQueryDto(), { page, limit }));
      out.push(...batch.items);
      if (out.length >= batch.total || batch.items.length === 0) break;
    }
    return Promise.all(out.map(async (c) => (c.status === 'withdrawn' ? this.consents.get(actor, caseId, c.id) : c)));
  }

  private async allClaims(actor: Actor, caseId: string): Promise<RestitutionClaimResponseDto[]> {
    const out: RestitutionClaimResponseDto[] = [];
    const limit = this.config.http.listLimitMax;
    for (let page = 1; ; page++) {
      const batch = await this.claims.list(actor, caseId, Object.assign(new PageQueryDto(), { page, limit }));
      out.push(...batch.items);
      if (out.length >= batch.total || batch.items.length === 0) break;
    }
    return out;
  }
}

/** The first of the person's languages (ISO 639-3) that Lintas has labels for; English when none. */
export function preferredLanguage(languages: readonly string[]): UiLanguage {
  for (const tag of languages) {
    const language = uiLanguageOf(tag);
    if (language) return language;
  }
  return REFERENCE_LANGUAGE;
}
