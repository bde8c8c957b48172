/** Parsing of the federation and referral-deadline settings (env values arrive as strings). */
import {
  ALLOWABLE_ADDRESS_CATEGORIES,
  AddressCategory,
  DEFAULT_MILESTONE_PERIODS,
  MILESTONE_ANCHORS,
  MilestoneAnchor,
  MilestonePeriods,
  REFERRAL_MILESTONES,
  ReferralDeadlineConfig,
  ReferralMilestone,
} from '../common/vocabulary';
import { ConfigurationError } from './env.validation';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function parseAllowedAddresses(value: string, variable = 'FEDERATION_ALLOW_PRIVATE_ADDRESSES'): ReadonlySet<AddressCategory> {
  const items = list(value);
  for (const item of items) {
    if (!(ALLOWABLE_ADDRESS_CATEGORIES as readonly string[]).includes(item)) {
      throw new ConfigurationError(`${variable}: "${item}" is not one of ${ALLOWABLE_ADDRESS_CATEGORIES.join(', ')}`);
    }
  }
  return new Set(items as AddressCategory[]);
}

/**
 * "home_state_notified=96,departed=240:acceptance" over the defaults: hours, or seconds with an "s" suffix
 * ("arrived=30s") for drills and tests that must see a step fall overdue.
 */
export function parseMilestonePeriods(value: string): MilestonePeriods {
  const periods: MilestonePeriods = { ...DEFAULT_MILESTONE_PERIODS };
  for (const item of list(value)) {
    const m = /^([a-z_]+)=(\d{1,8})(s?)(?::([a-z]+))?$/.exec(item);
    if (!m || !(REFERRAL_MILESTONES as readonly string[]).includes(m[1])) {
      throw new ConfigurationError(
        `REFERRAL_MILESTONE_PERIODS: "${item}" must be <milestone>=<hours>[s][:acceptance|previous] with a milestone of ${REFERRAL_MILESTONES.join(', ')}`,
      );
    }
    const hours = m[3] === 's' ? Number(m[2]) / 3600 : Number(m[2]);
    if (Number(m[2]) < 1 || hours > 24 * 365)
      throw new ConfigurationError(`REFERRAL_MILESTONE_PERIODS: ${m[1]} must be 1 second to 8760 hours`);
    const milestone = m[1] as ReferralMilestone;
    const from = (m[4] ?? periods[milestone].from) as MilestoneAnchor;
    if (!MILESTONE_ANCHORS.includes(from))
      throw new ConfigurationError(`REFERRAL_MILESTONE_PERIODS: ${m[1]} counts from acceptance or previous`);
    periods[milestone] = { hours, from };
  }
  return periods;
}

export function parseReferralDeadlines(acceptanceHours: number, escalationHours: number, milestones: string): ReferralDeadlineConfig {
  return { acceptanceHours, escalationHours, milestones: parseMilestonePeriods(milestones) };
}
