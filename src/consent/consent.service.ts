import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { plainQuery } from '../database/plain-sql';
import { ConsentPurpose, ConsentStatus, DataCategory, ProvisionEffect } from '../common/vocabulary/consent';
import { CategoriesDecision, EvaluatedConsent, EvaluatedProvision, evaluateCategories, evaluateConsent } from './consent-evaluator';

export interface DisclosureCategoriesQuestion {
  recipientOrganisationId: string;
  purpose: ConsentPurpose;
  categories: readonly DataCategory[];
  at?: Date;
}

/** One row of forCase's query: a consent and one of its provisions (all null when it has none). */
interface ProvisionRow {
  id: string;
  status: ConsentStatus;
  withdrawn_at: Date | null;
  effect: ProvisionEffect | null;
  recipient_organisation_id: string | null;
  recipient_country: string | null;
  purposes: ConsentPurpose[];
  data_categories: DataCategory[];
  valid_from: Date;
  valid_until: Date;
}

/**
 * The consent part of the disclosure gate: it loads a case's consents and asks the one evaluator (consent-evaluator.ts).
 * Only DisclosureGate calls it for a disclosure; the gate adds the danger flag, case state, partner status and who
 * acts. Runs in the API and in the worker (delivery asks the gate again just before sending).
 */
@Injectable()
export class ConsentService {
  /**
   * All consents of the case, withdrawn ones included (withdrawal is not retroactive), in the evaluator's shape: oldest
   * first, provisions in their order. One plain query with only what the evaluator reads: every disclosure (each read
   * of a referred case, each approval and delivery) asks this, and mapping whole entities cost more than the query.
   */
  async forCase(em: EntityManager, caseId: string): Promise<EvaluatedConsent[]> {
    const { rows } = await plainQuery<ProvisionRow>(
      em,
      `SELECT c.id, c.status, c.withdrawn_at, p.effect, p.recipient_organisation_id, p.recipient_country,
              p.purposes::text[] AS purposes, p.data_categories::text[] AS data_categories, p.valid_from, p.valid_until
         FROM consents c LEFT JOIN consent_provisions p ON p.consent_id = c.id
        WHERE c.case_id = $1
        ORDER BY c.created_at, c.id, p.position`,
      [caseId],
    );
    const consents: Array<EvaluatedConsent & { provisions: EvaluatedProvision[] }> = [];
    for (const row of rows) {
      let consent = consents[consents.length - 1];
      if (!consent || consent.id !== row.id) {
        consent = { id: row.id, status: row.status, withdrawnAt: row.withdrawn_at, provisions: [] };
        consents.push(consent);
      }
      if (row.effect === null) continue; // a consent without provisions (the LEFT JOIN's empty side)
      consent.provisions.push({
        effect: row.effect,
        recipientOrganisationId: row.recipient_organisation_id,
        recipientCountry: row.recipient_country,
        purposes: row.purposes,
        dataCategories: row.data_categories,
        validFrom: row.valid_from,
        validUntil: row.valid_until,
      });
    }
    return consents;
  }

  /**
   * For the disclosure gate (src/disclosure), and nobody else: the categories consent permits this recipient for this
   * purpose at this moment, why each other one is refused, and the consents the permits rest on (one per permitted
   * category, as evaluateConsent cites it), from one read of the case's consents. The gate passes the recipient's country.
   */
  async permittedCategoriesWithConsents(
    em: EntityManager,
    caseId: string,
    question: DisclosureCategoriesQuestion & { recipientCountry: string },
  ): Promise<CategoriesDecision & { consentIds: string[] }> {
    const consents = await this.forCase(em, caseId);
    const asked = {
      recipientOrganisationId: question.recipientOrganisationId,
      recipientCountry: question.recipientCountry,
      purpose: question.purpose,
      at: question.at ?? new Date(),
    };
    const decision = evaluateCategories(consents, { ...asked, categories: question.categories });
    const consentIds = new Set<string>();
    for (const category of decision.permitted) {
      const answer = evaluateConsent(consents, { ...asked, category });
      if (answer.consentId) consentIds.add(answer.consentId);
    }
    return { ...decision, consentIds: [...consentIds].sort() };
  }
}
