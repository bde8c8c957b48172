/** Hand-written statements on the statistics module's own tables (the fills of the facts tables are in catalogue.ts). */
import { statement } from '../database/sql';

/** The owner of each case, from the facts a trigger keeps in step with the cases. */
export const ownersOfCases = statement<{ case_id: string; o: string }, [string[]]>(
  'statistics.ownersOfCases',
  () => `SELECT case_id, owner_organisation_id AS o FROM statistics_case_facts WHERE case_id = ANY($1::uuid[])`,
);
