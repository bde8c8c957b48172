/**
 * The referrals module's rows for the statistics tables (statistics/catalogue.ts): counts keyed by case id, durations
 * with the two organisations' ids, milestone counts by sender. Nothing identifying leaves here.
 */
import { EntityManager } from 'typeorm';
import { runSql } from '../database/sql';
import { acceptanceHours, completionHours, milestonesByTimeliness, referralsPerCase } from './referral-statistics.queries';

export async function referralCountsPerCase(em: EntityManager, start: Date, end: Date) {
  return (await runSql(em, referralsPerCase, [start, end])).rows;
}

export async function referralHours(em: EntityManager, until: 'accepted' | 'completed', start: Date, end: Date) {
  return (await runSql(em, until === 'accepted' ? acceptanceHours : completionHours, [start, end])).rows;
}

export async function milestoneTimeliness(em: EntityManager, start: Date, end: Date) {
  return (await runSql(em, milestonesByTimeliness, [start, end])).rows;
}
