/** Hand-written statements of the restitution module on its own tables (statistics' are in restitution-statistics.queries.ts). */
import { statement } from '../database/sql';

/** Whether the case has any restitution claim (the disclosure gate counts restitution as held then). */
export const caseHasClaim = statement<{ one: number }, [string]>(
  'restitution.caseHasClaim',
  () => `SELECT 1 AS one FROM restitution_claims WHERE case_id = $1 LIMIT 1`,
);
