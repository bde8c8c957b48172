import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { ConsentPurpose, DataCategory } from '../common/vocabulary/consent';
import { CategoriesDecision, EvaluatedConsent, EvaluatedProvision, evaluateCategories, evaluateConsent } from './consent-evaluator';
import { caseConsents } from './consent.queries';
import { ConsentPermitReader } from '../disclosure/consent-port';

export interface DisclosureCategoriesQuestion {
  recipientOrganisationId: string;
  purpose: ConsentPurpose;
  categories: readonly DataCategory[];
  at?: Date;
}

/**
 * The consent part of the disclosure gate: it loads a case's consents and asks the one evaluator (consent-evaluator.ts).
 * Only DisclosureGate calls it for a disclosure; the gate adds the danger flag, case state, partner status and who
 * acts. Runs in the API and in the worker (delivery asks the gate again just before sending).
 */
@Injectable()
export class ConsentService implements ConsentPermitReader {
  /**
   * All consents of the case, withdrawn ones included (withdrawal is not retroactive), in the evaluator's shape: oldest
   * first, provisions in their order. One plain query with only what the evaluator reads: every disclosure (each read
   * of a referred case, each approval and delivery) asks this, and mapping whole entities cost more than the query.
   */
  async forCase(em: EntityManager, caseId: string): Promise<EvaluatedConsent[]> {
    const { rows } = await runSql(em, caseConsents, [caseId]);
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
