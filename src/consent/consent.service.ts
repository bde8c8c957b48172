import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ConsentPurpose, DataCategory } from '../common/vocabulary/consent';
import { OrganisationEntity } from '../organisations/organisation.entity';
import {
  CategoriesDecision,
  ConsentDecision,
  EvaluatedConsent,
  evaluateCategories,
  evaluateConsent,
} from './consent-evaluator';
import { ConsentEntity } from './consent.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface DisclosureQuestion {
  recipientOrganisationId: string;
  purpose: ConsentPurpose;
  category: DataCategory;
  /** Default: now. */
  at?: Date;
}

export interface DisclosureCategoriesQuestion {
  recipientOrganisationId: string;
  purpose: ConsentPurpose;
  categories: readonly DataCategory[];
  at?: Date;
}

export function toEvaluated(c: ConsentEntity): EvaluatedConsent {
  return {
    id: c.id,
    status: c.status,
    withdrawnAt: c.withdrawnAt,
    provisions: [...(c.provisions ?? [])]
      .sort((a, b) => a.position - b.position)
      .map((p) => ({
        effect: p.effect,
        recipientOrganisationId: p.recipientOrganisationId,
        recipientCountry: p.recipientCountry,
        purposes: p.purposes,
        dataCategories: p.dataCategories,
        validFrom: p.validFrom,
        validUntil: p.validUntil,
      })),
  };
}

/**
 * The consent gate every disclosure goes through (referral packets, partner reads, exports): it loads a case's
 * consents and asks the one evaluator (consent-evaluator.ts). It checks no caller access: callers have already
 * decided the caller may act on the case; this answers whether the data may leave.
 * Runs in the API and in the worker (delivery re-checks consent just before sending).
 */
@Injectable()
export class ConsentService {
  /** All consents of the case, withdrawn ones included (withdrawal is not retroactive), in the evaluator's shape. */
  async forCase(em: EntityManager, caseId: string): Promise<EvaluatedConsent[]> {
    const rows = await em.find(ConsentEntity, {
      where: { caseId },
      relations: { provisions: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return rows.map(toEvaluated);
  }

  /** May this organisation receive this category of the case for this purpose at this moment (default now)? */
  async evaluate(em: EntityManager, caseId: string, question: DisclosureQuestion): Promise<ConsentDecision> {
    const recipientCountry = await this.countryOf(em, question.recipientOrganisationId);
    // An organisation this deployment does not know receives nothing.
    if (recipientCountry === null) return { decision: 'deny', reason: 'no_matching_permit' };
    return evaluateConsent(await this.forCase(em, caseId), {
      recipientOrganisationId: question.recipientOrganisationId,
      recipientCountry,
      purpose: question.purpose,
      category: question.category,
      at: question.at ?? new Date(),
    });
  }

  /** The same for several categories at once: the permitted subset, and for each refused category why. */
  async permittedCategories(em: EntityManager, caseId: string, question: DisclosureCategoriesQuestion): Promise<CategoriesDecision> {
    const recipientCountry = await this.countryOf(em, question.recipientOrganisationId);
    if (recipientCountry === null) {
      return { permitted: [], refused: [...new Set(question.categories)].map((category) => ({ category, reason: 'no_matching_permit' as const })) };
    }
    return evaluateCategories(await this.forCase(em, caseId), {
      recipientOrganisationId: question.recipientOrganisationId,
      recipientCountry,
      purpose: question.purpose,
      categories: question.categories,
      at: question.at ?? new Date(),
    });
  }

  /**
   * The same, plus the consents whose permits the answer rests on (one per permitted category, as evaluateConsent cites
   * it), from one read of the case's consents. A caller that has just read the recipient's country may pass it.
   */
  async permittedCategoriesWithConsents(
    em: EntityManager,
    caseId: string,
    question: DisclosureCategoriesQuestion & { recipientCountry?: string },
  ): Promise<CategoriesDecision & { consentIds: string[] }> {
    const recipientCountry = question.recipientCountry ?? (await this.countryOf(em, question.recipientOrganisationId));
    if (recipientCountry === null) {
      return {
        permitted: [],
        refused: [...new Set(question.categories)].map((category) => ({ category, reason: 'no_matching_permit' as const })),
        consentIds: [],
      };
    }
    const consents = await this.forCase(em, caseId);
    const asked = { recipientOrganisationId: question.recipientOrganisationId, recipientCountry, purpose: question.purpose, at: question.at ?? new Date() };
    const decision = evaluateCategories(consents, { ...asked, categories: question.categories });
    const consentIds = new Set<string>();
    for (const category of decision.permitted) {
      const answer = evaluateConsent(consents, { ...asked, category });
      if (answer.consentId) consentIds.add(answer.consentId);
    }
    return { ...decision, consentIds: [...consentIds].sort() };
  }

  // The organisation directory is read directly (as users.service does): a country is all the gate needs.
  private async countryOf(em: EntityManager, organisationId: string): Promise<string | null> {
    if (!UUID.test(organisationId)) return null;
    const org = await em.findOne(OrganisationEntity, { select: { id: true, country: true }, where: { id: organisationId } });
    return org?.country ?? null;
  }
}
