/** The restitution module's answer to the gate's CaseHoldings port: a case with a claim holds restitution data. */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { DataCategory } from '../common/vocabulary/consent';
import { runSql } from '../database/sql';
import { CaseHoldings } from '../disclosure/case-holdings-port';
import { caseHasClaim } from './restitution.queries';

@Injectable()
export class RestitutionHoldings extends CaseHoldings {
  async categoriesHeld(em: EntityManager, caseId: string): Promise<DataCategory[]> {
    const { rows } = await runSql(em, caseHasClaim, [caseId]);
    return rows.length > 0 ? ['restitution'] : [];
  }
}
