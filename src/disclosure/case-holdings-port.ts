/**
 * What the disclosure gate asks of modules above it that keep a person's data of their own about a case (restitution
 * claims): which data categories they hold for it. A port the gate owns; the restitution module implements it
 * (restitution-holdings.module.ts, global), so an ownership transfer counts a claim as held without the cases
 * module's SQL naming another module's table.
 */
import { EntityManager } from 'typeorm';
import type { DataCategory } from '../common/vocabulary/consent';

export abstract class CaseHoldings {
  /** The categories held for the case outside the cases table, in the caller's transaction. */
  abstract categoriesHeld(em: EntityManager, caseId: string): Promise<DataCategory[]>;
}
