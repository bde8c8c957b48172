/** What the organisations module publishes for statistics: each organisation's country. */
import { statement } from '../database/sql';

export const organisationCountries = statement<{ id: string; country: string }, []>(
  'organisations.statisticsCountries',
  () => `SELECT id, country::text AS country FROM organisations`,
);
