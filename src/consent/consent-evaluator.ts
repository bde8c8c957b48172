/**
 * The one consent evaluator: "may organisation X receive category C of this case for purpose P at moment T?"
 * Every disclosure in Lintas (referral packets, partner reads, exports) asks it, through ConsentService.
 * Pure TypeScript, no Nest and no database, so its laws can be checked with property-based tests.
 *
 * Laws (docs/consent.md):
 * 1. Default deny: without an applicable permit the answer is deny.
 * 2. Deny overrides permit: an applicable deny provision wins over any number of permits.
 * 3. Expired, not-yet-valid or withdrawn provisions never permit (and do not deny either: they have no effect).
 * 4. Withdrawal is not retroactive: a consent withdrawn at t still answers as before for moments before t, so the
 *    question "was this disclosure permitted when it happened?" has a stable answer. A consent marked withdrawn without
 *    a withdrawal time counts as withdrawn at every moment (the safe reading).
 * 5. The answer depends on the set of consents, not on their order (only the cited consent may differ).
 * Periods are closed intervals: validFrom ≤ at ≤ validUntil.
 */
import { ConsentDecisionReason, ConsentPurpose, ConsentStatus, DataCategory, ProvisionEffect } from '../common/vocabulary/consent';

export interface EvaluatedProvision {
  effect: ProvisionEffect;
  /** Exactly one of the two recipients is set: one organisation, or every organisation in a country. */
  recipientOrganisationId: string | null;
  recipientCountry: string | null;
  purposes: readonly ConsentPurpose[];
  dataCategories: readonly DataCategory[];
  validFrom: Date;
  validUntil: Date;
}

export interface EvaluatedConsent {
  id: string;
  status: ConsentStatus;
  withdrawnAt: Date | null;
  provisions: readonly EvaluatedProvision[];
}

export interface ConsentQuestion {
  recipientOrganisationId: string;
  /** The recipient organisation's country (ISO 3166-1 alpha-2), for provisions naming a whole country. */
  recipientCountry: string;
  purpose: ConsentPurpose;
  category: DataCategory;
  at: Date;
}

export interface ConsentDecision {
  decision: 'permit' | 'deny';
  reason: ConsentDecisionReason;
  /** The consent and provision the answer rests on, when one does. */
  consentId?: string;
  provisionIndex?: number;
}

export interface CategoriesQuestion {
  recipientOrganisationId: string;
  recipientCountry: string;
  purpose: ConsentPurpose;
  categories: readonly DataCategory[];
  at: Date;
}

export interface RefusedCategory {
  category: DataCategory;
  reason: Exclude<ConsentDecisionReason, 'permitted'>;
  consentId?: string;
  provisionIndex?: number;
}

export interface CategoriesDecision {
  /** The requested categories that may be disclosed, in the order asked, without repeats. */
  permitted: DataCategory[];
  /** Every requested category that may not, with the reason. */
  refused: RefusedCategory[];
}

type Cite = { consentId: string; provisionIndex: number };

/** True when the consent has been withdrawn as of this moment. */
export function withdrawnAt(consent: EvaluatedConsent, at: Date): boolean {
  if (consent.status !== 'withdrawn') return false;
  return consent.withdrawnAt === null || consent.withdrawnAt.getTime() <= at.getTime();
}

export function provisionApplies(p: EvaluatedProvision, q: Omit<ConsentQuestion, 'at'>): boolean {
  const recipient =
    (p.recipientOrganisationId !== null && p.recipientOrganisationId === q.recipientOrganisationId) ||
    (p.recipientCountry !== null && p.recipientCountry === q.recipientCountry);
  return recipient && p.purposes.includes(q.purpose) && p.dataCategories.includes(q.category);
}

export function evaluateConsent(consents: readonly EvaluatedConsent[], question: ConsentQuestion): ConsentDecision {
  const at = question.at.getTime();
  let deny: Cite | undefined;
  let permit: Cite | undefined;
  let withdrawn: Cite | undefined;
  let expired: Cite | undefined;
  let notYetValid: Cite | undefined;

  for (const consent of consents) {
    const isWithdrawn = withdrawnAt(consent, question.at);
    consent.provisions.forEach((p, provisionIndex) => {
      if (!provisionApplies(p, question)) return;
      const cite = { consentId: consent.id, provisionIndex };
      const tooLate = at > p.validUntil.getTime();
      const tooEarly = at < p.validFrom.getTime();
      if (!isWithdrawn && !tooLate && !tooEarly) {
        if (p.effect === 'deny') deny ??= cite;
        else permit ??= cite;
        return;
      }
      // A provision out of force has no effect; a permit out of force only explains why the answer is deny.
      if (p.effect !== 'permit') return;
      if (isWithdrawn) withdrawn ??= cite;
      else if (tooLate) expired ??= cite;
      else notYetValid ??= cite;
    });
  }

  if (deny) return { decision: 'deny', reason: 'denied_by_provision', ...deny };
  if (permit) return { decision: 'permit', reason: 'permitted', ...permit };
  // The most definitive explanation first: a withdrawal, then an expiry, then a period not yet begun.
  if (withdrawn) return { decision: 'deny', reason: 'withdrawn', ...withdrawn };
  if (expired) return { decision: 'deny', reason: 'expired', ...expired };
  if (notYetValid) return { decision: 'deny', reason: 'not_yet_valid', ...notYetValid };
  return { decision: 'deny', reason: 'no_matching_permit' };
}

/** The same question for several categories at once (a referral packet): the permitted subset, and why each other one is refused. */
export function evaluateCategories(consents: readonly EvaluatedConsent[], question: CategoriesQuestion): CategoriesDecision {
  const permitted: DataCategory[] = [];
  const refused: RefusedCategory[] = [];
  for (const category of new Set(question.categories)) {
    const answer = evaluateConsent(consents, {
      recipientOrganisationId: question.recipientOrganisationId,
      recipientCountry: question.recipientCountry,
      purpose: question.purpose,
      category,
      at: question.at,
    });
    if (answer.decision === 'permit') {
      permitted.push(category);
      continue;
    }
    const { decision: _deny, reason, ...cite } = answer;
    refused.push({ category, reason: reason as RefusedCategory['reason'], ...cite });
  }
  return { permitted, refused };
}
