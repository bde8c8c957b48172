/** What the referrals module publishes for statistics: counts and durations over its own tables (no personal data). */
import { statement } from '../database/sql';

/** Referrals created in [$1, $2), per case, current status and whether they cross a border. */
export const referralsPerCase = statement<{ case_id: string; status: string; border: string; n: number }, [Date, Date]>(
  'referrals.statisticsPerCase',
  () => `SELECT case_id, status::text AS status, CASE WHEN cross_border THEN 'cross_border' ELSE 'domestic' END AS border, count(*)::int AS n
           FROM referrals WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 3`,
);

/** Referrals accepted in [$1, $2): sender, receiver and whole hours from sending (or creation) to acceptance. */
export const acceptanceHours = statement<{ sender: string; receiver: string; h: number }, [Date, Date]>(
  'referrals.statisticsAcceptanceHours',
  () => `SELECT sending_organisation_id AS sender, receiving_organisation_id AS receiver,
                floor(extract(epoch FROM (accepted_at - COALESCE(sent_at, created_at))) / 3600)::int AS h
           FROM referrals WHERE accepted_at >= $1 AND accepted_at < $2`,
);

/** Referrals completed in [$1, $2) (their last transition to completed): sender, receiver and whole hours from sending. */
export const completionHours = statement<{ sender: string; receiver: string; h: number }, [Date, Date]>(
  'referrals.statisticsCompletionHours',
  () => `SELECT r.sending_organisation_id AS sender, r.receiving_organisation_id AS receiver,
                floor(extract(epoch FROM (e.at - COALESCE(r.sent_at, r.created_at))) / 3600)::int AS h
           FROM (SELECT referral_id, max(occurred_at) AS at FROM referral_events
                  WHERE kind = 'transition' AND to_status = 'completed' GROUP BY referral_id) e
           JOIN referrals r ON r.id = e.referral_id
          WHERE e.at >= $1 AND e.at < $2`,
);

/**
 * Milestones due in [$1, $2), per sender, milestone and timeliness: on time when recorded by the due date, overdue when
 * recorded later or still outstanding; outstanding ones of a referral that ended are not counted.
 */
export const milestonesByTimeliness = statement<{ o: string; a: string; b: string; n: number }, [Date, Date]>(
  'referrals.statisticsMilestonesByTimeliness',
  () => `SELECT r.sending_organisation_id AS o, m.milestone::text AS a,
                CASE WHEN m.recorded_at IS NOT NULL AND m.recorded_at <= m.due_at THEN 'on_time' ELSE 'overdue' END AS b,
                count(*)::int AS n
           FROM referral_milestones m JOIN referrals r ON r.id = m.referral_id
          WHERE m.due_at >= $1 AND m.due_at < $2
            AND (m.recorded_at IS NOT NULL OR r.status NOT IN ('cancelled', 'rejected', 'failed', 'recalled'))
          GROUP BY 1, 2, 3`,
);
