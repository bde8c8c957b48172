/**
 * The restitution module's rows for the statistics tables (statistics/catalogue.ts): claim counts keyed by case id, and
 * awarded/paid amounts by responsible organisation. Nothing identifying leaves here.
 */
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { awardsWithPaid, claimsPerCase } from './restitution-statistics.queries';

export async function claimCountsPerCase(em: EntityManager, start: Date, end: Date) {
  return (await runSql(em, claimsPerCase, [start, end])).rows;
}

export async function awardedAndPaid(em: EntityManager, start: Date, end: Date) {
  return (await runSql(em, awardsWithPaid, [start, end])).rows;
}
