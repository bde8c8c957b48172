/** What the consent module publishes for statistics: counts over its own table, keyed by case (no personal data). */
import { statement } from '../database/sql';

/** Consents withdrawn in [$1, $2), per case and UTC quarter of withdrawal. */
export const withdrawalsPerCase = statement<{ case_id: string; quarter: string; n: number }, [Date, Date]>(
  'consent.statisticsWithdrawalsPerCase',
  () => `SELECT case_id, to_char(withdrawn_at AT TIME ZONE 'UTC', 'YYYY') || '-Q' || to_char(withdrawn_at AT TIME ZONE 'UTC', 'Q') AS quarter,
                count(*)::int AS n
           FROM consents WHERE withdrawn_at >= $1 AND withdrawn_at < $2 GROUP BY 1, 2`,
);
