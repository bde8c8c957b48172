/**
 * Who sees which record, asked of the modules that own the records by the same rules as their reads (GET of the
 * record, or of the list that holds it): case access (organisation, danger flag, break-glass), referral sides,
 * the receiver's read of a referred case through the disclosure gate, claim access (case, responsibility, the gate)
 * and the alert list's audience. Nothing here reads personal data or records a read: the client fetches what it
 * needs through those routes, where the gate and the access log apply.
 */
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { CasesService } from '../cases/cases.service';
import { Actor } from '../common/auth/actor';
import { can, Permission } from '../common/auth/permissions';
import { DomainError } from '../common/errors/domain-error';
import { ReferralsService } from '../referrals/referrals.service';
import { ReferredCaseReader } from '../referrals/referred-case.service';
import { ClaimAccessService } from '../restitution/claim-access.service';
import { ChangeRecordType } from './change-types';

/** skip: the caller's role reads no record of this kind (nothing to say); else whether it sees it, and its version. */
export type Judgement = 'skip' | { visible: false } | { visible: true; version: number | null };

export interface Judged {
  type: ChangeRecordType;
  id: string;
  parentId: string | null;
}

/** The permission of the route a client reads each kind through. */
const READ_PERMISSION: Record<ChangeRecordType, Permission> = {
  case: Permission.CaseRead,
  consent: Permission.ConsentRead,
  referral: Permission.ReferralRead,
  milestone: Permission.ReferralRead,
  referral_case: Permission.ReferralCaseRead,
  claim: Permission.RestitutionRead,
  payment: Permission.RestitutionRead,
  alert: Permission.AlertRead,
};

/** A look-up that answers null where the owning module answers a DomainError (404, or the gate's refusal). */
async function orNull<T>(look: () => Promise<T>): Promise<T | null> {
  try {
    return await look();
  } catch (err) {
    if (err instanceof DomainError) return null;
    throw err;
  }
}

@Injectable()
export class ChangeVisibility {
  constructor(
    private readonly cases: CasesService,
    private readonly referrals: ReferralsService,
    private readonly referredCases: ReferredCaseReader,
    private readonly claims: ClaimAccessService,
    private readonly alerts: AlertsService,
  ) {}

  /** Judges one page of records for the actor; a case, referral or claim that several records hang on is asked once. */
  async judge(em: EntityManager, actor: Actor, records: readonly Judged[]): Promise<Judgement[]> {
    const memo = new Map<string, Promise<{ version: number } | null>>();
    const once = (key: string, look: () => Promise<{ version: number } | null>) => {
      let hit = memo.get(key);
      if (!hit) memo.set(key, (hit = look()));
      return hit;
    };
    const caseOf = (id: string) => once(`case:${id}`, () => orNull(() => this.cases.findAccessible(em, actor, id)));
    const referralOf = (id: string) => once(`referral:${id}`, () => orNull(() => this.referrals.findForActor(em, actor, id)));
    const claimOf = (id: string) =>
      once(`claim:${id}`, async () => (await orNull(() => this.claims.resolveClaim(em, actor, id)))?.claim ?? null);

    const out: Judgement[] = [];
    // One after the other: the look-ups share the transaction's connection.
    for (const r of records) {
      if (!can(actor.role, READ_PERMISSION[r.type])) {
        out.push('skip');
        continue;
      }
      let found: { version: number } | null | boolean;
      switch (r.type) {
        case 'case':
          found = await caseOf(r.id);
          break;
        case 'consent':
          found = r.parentId !== null && (await caseOf(r.parentId)) !== null;
          break;
        case 'referral':
          found = await referralOf(r.id);
          break;
        case 'milestone':
          found = r.parentId !== null && (await referralOf(r.parentId)) !== null;
          break;
        case 'referral_case':
          found = await this.referredCases.available(em, actor, r.id);
          break;
        case 'claim':
          found = await claimOf(r.id);
          break;
        case 'payment':
          found = r.parentId !== null && (await claimOf(r.parentId)) !== null;
          break;
        case 'alert':
          found = await this.alerts.isVisible(em, actor, r.id);
          break;
      }
      if (found === null || found === false) out.push({ visible: false });
      else out.push({ visible: true, version: found === true ? null : found.version });
    }
    return out;
  }
}
