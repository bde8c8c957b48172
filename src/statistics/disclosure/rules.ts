/**
 * The disclosure-control thresholds. Only the minimum cell size is configurable, and never below 5; the organisation
 * rules and the measure threshold are fixed because loosening them is never what an auditor needs.
 */

/** Official statistics and CTDC both use 11: counts 1–10 are never published. */
export const DEFAULT_MINIMUM_CELL_SIZE = 11;
/** Below 5 a published count starts to single out a household or a small shelter's week. */
export const LOWEST_MINIMUM_CELL_SIZE = 5;
/** A cell fed by fewer organisations reveals those organisations' own caseload (and so where a small shelter works). */
export const MINIMUM_CONTRIBUTING_ORGANISATIONS = 3;
/** One organisation holding this share (or more) of a cell dominates it: the cell is that organisation's number. */
export const DOMINANCE_PERCENT = 80;
/** Medians, percentiles and money totals describe individual records when there are few; never over fewer than 11. */
export const MINIMUM_MEASURE_RECORDS = 11;

export interface DisclosureRules {
  /** k: counts 1..k−1 are suppressed. */
  readonly minimumCellSize: number;
  readonly minimumOrganisations: number;
  readonly dominancePercent: number;
  /** Records a median, percentile or money total needs: max(k, 11). */
  readonly minimumMeasureRecords: number;
}

/** A rule set that would publish too much; a configuration or programming error, never a client's. */
export class DisclosureRulesError extends Error {
  override name = 'DisclosureRulesError';
}

export function disclosureRules(options: { minimumCellSize?: number } = {}): DisclosureRules {
  const k = options.minimumCellSize ?? DEFAULT_MINIMUM_CELL_SIZE;
  if (!Number.isSafeInteger(k) || k < LOWEST_MINIMUM_CELL_SIZE) {
    throw new DisclosureRulesError(`minimumCellSize must be an integer of at least ${LOWEST_MINIMUM_CELL_SIZE}`);
  }
  return {
    minimumCellSize: k,
    minimumOrganisations: MINIMUM_CONTRIBUTING_ORGANISATIONS,
    dominancePercent: DOMINANCE_PERCENT,
    minimumMeasureRecords: Math.max(k, MINIMUM_MEASURE_RECORDS),
  };
}
