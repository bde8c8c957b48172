/** What the restitution module publishes for statistics: counts and sums over its own tables (no personal data). */
import { statement } from '../database/sql';

/** Claims opened in [$1, $2), per case, route and current status. */
export const claimsPerCase = statement<{ case_id: string; route: string; status: string; n: number }, [Date, Date]>(
  'restitution.statisticsClaimsPerCase',
  () => `SELECT case_id, route::text AS route, status::text AS status, count(*)::int AS n
           FROM restitution_claims WHERE created_at >= $1 AND created_at < $2 GROUP BY 1, 2, 3`,
);

/**
 * Claims awarded in [$1, $2) (award dates are calendar dates: the window's UTC instants become the dates they start):
 * the responsible organisation, route, award currency and amount, and payments in that currency net of corrections
 * recorded before $2.
 */
export const awardsWithPaid = statement<{ o: string; a: string; c: string; awarded: string; paid: string }, [Date, Date]>(
  'restitution.statisticsAwardsWithPaid',
  () => `SELECT k.responsible_organisation_id AS o, k.route::text AS a, k.currency AS c, k.awarded_minor::text AS awarded,
                COALESCE((SELECT sum(CASE WHEN p.reverses_payment_id IS NULL THEN p.amount_minor ELSE -p.amount_minor END)
                            FROM restitution_payments p
                           WHERE p.claim_id = k.id AND p.currency = k.currency AND p.created_at < $2), 0)::text AS paid
           FROM restitution_claims k
          WHERE k.awarded_minor IS NOT NULL AND k.awarded_at >= ($1::timestamptz AT TIME ZONE 'UTC')::date
            AND k.awarded_at < ($2::timestamptz AT TIME ZONE 'UTC')::date`,
);
