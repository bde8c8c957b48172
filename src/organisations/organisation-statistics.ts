/** The organisations module's answer for the statistics tables: organisation id → country (ISO 3166-1 alpha-2). */
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { organisationCountries } from './organisation-statistics.queries';

export async function countryOfOrganisation(em: EntityManager): Promise<Map<string, string>> {
  return new Map((await runSql(em, organisationCountries, [])).rows.map((r) => [r.id, r.country]));
}
