/**
 * What the disclosure gate asks of consent, as a port the gate owns: the consent module implements it
 * (ConsentService, bound in consent-core.module.ts), so consent sits above the gate and asks it (consent.record)
 * without the gate importing consent.
 */
import { EntityManager } from 'typeorm';
import type { ConsentPurpose, DataCategory } from '../common/vocabulary/consent';

export interface ConsentPermitQuestion {
  recipientOrganisationId: string;
  recipientCountry: string;
  purpose: ConsentPurpose;
  categories: readonly DataCategory[];
  at?: Date;
}

export interface ConsentPermits {
  /** The requested categories that may be disclosed, in the order asked, without repeats. */
  permitted: DataCategory[];
  /** Every requested category that may not, with the reason (codes only) and the consent that refuses it, if one does. */
  refused: { category: DataCategory; reason: string; consentId?: string }[];
  /** The consents the permits rest on (one per permitted category), sorted. */
  consentIds: string[];
}

export abstract class ConsentPermitReader {
  /** The categories consent permits this recipient for this purpose at this moment, from one read of the case's consents. */
  abstract permittedCategoriesWithConsents(em: EntityManager, caseId: string, question: ConsentPermitQuestion): Promise<ConsentPermits>;
}
