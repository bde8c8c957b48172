/**
 * The consent module's rows for the statistics tables (statistics/catalogue.ts): counts keyed by case id, which the
 * statistics module attributes to the case's owner from its own facts. Nothing identifying leaves here.
 */
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { withdrawalsPerCase } from './consent-statistics.queries';

export async function consentWithdrawalsPerCase(em: EntityManager, start: Date, end: Date) {
  return (await runSql(em, withdrawalsPerCase, [start, end])).rows;
}
