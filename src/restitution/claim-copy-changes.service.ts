/**
 * A change of a claim's facts (status, award, forum, dates) made on a copy by the organisation here when it is the
 * responsible one (docs/restitution.md, "Across borders"). The same body, validation and state machine as the record's
 * PATCH, checked against the copy; kept on the copy as pending and sent to the partner's record in the same commit
 * (outbox `restitution.copy-change`, the referrals worker signs it). The record's side settles it (claim-change.ts).
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { Money } from '../common/money/money';
import { moneyFromDto } from '../common/money/money.dto';
import { OutboxService } from '../outbox/outbox.service';
import { CHANGE_FIELDS, ChangeValues, ClaimChange, valuesAfter, valuesOf } from './claim-change';
import { ClaimCopies, copyView } from './claim-copies.service';
import { ClaimCopyEntity } from './claim-copy.entity';
import { copyLedger, fromWireMoney, ledgerEntryOf, MAX_COPY_CONFLICTS, PendingChange, toWireMoney } from './claim-snapshot';
import { resolveManualMove } from './claim.state-machine';
import { ClaimCopyResponseDto } from './dto/claim-copy.dto';
import { UpdateClaimCopyDto } from './dto/restitution-input.dto';
import { RESTITUTION_SHARING_JOBS } from './jobs/restitution.events';
import { CONSENT_PURPOSE, RECORD_TYPE } from './restitution.constants';

@Injectable()
export class ClaimCopyChanges {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly copies: ClaimCopies,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
  ) {}

  async change(
    actor: Actor,
    referralId: string,
    claimId: string,
    expectedVersion: number,
    dto: UpdateClaimCopyDto,
  ): Promise<ClaimCopyResponseDto> {
    const fields = CHANGE_FIELDS.filter((f) => dto[f] !== undefined);
    if (fields.length === 0) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [{ field: '(body)', errors: ['names no field to change'] }]);
    }
    if (dto.reason !== undefined && dto.status === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: 'reason', errors: ['is given with a status move only'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      const row = await this.copies.lockHeld(em, actor, referralId, claimId);
      const content = this.copies.open(row);
      // One writer per fact: only the responsible side changes the claim.
      if (content.snapshot.responsible !== 'receiver') {
        throw new DomainError('RESTITUTION_NOT_RESPONSIBLE', 'Only the organisation responsible for this claim can change it', { claimId });
      }
      if (row.version !== expectedVersion) throw new DomainError('PRECONDITION_FAILED', 'If-Match does not match the current version');
      if (content.change) {
        throw new DomainError('CLAIM_CHANGE_PENDING', 'A change of this claim made here is not yet settled by the partner\u2019s record', {
          claimId,
          changeId: content.change.id,
        });
      }
      const current = valuesOf(content.snapshot);
      const set: Partial<ChangeValues> = {};
      for (const f of fields) {
        if (f === 'awarded') set.awarded = dto.awarded === null ? null : toWireMoney(moneyFromDto(dto.awarded!, 'awarded'));
        else (set as Record<string, unknown>)[f] = dto[f];
      }
      const after = valuesAfter(current, { set });
      const awarded: Money | null = after.awarded ? fromWireMoney(after.awarded) : null;
      const to = resolveManualMove(current.status, {
        to: after.status,
        facts: {
          claimed: fromWireMoney(content.snapshot.claimed),
          awarded,
          forum: after.forum,
          filedAt: after.filedAt,
          awardedAt: after.awardedAt,
        },
        reason: dto.reason ?? null,
        ledger: copyLedger(content).map(ledgerEntryOf),
      });
      const change: PendingChange = {
        id: randomUUID(),
        baseVersion: row.version,
        set,
        was: Object.fromEntries(fields.map((f) => [f, current[f]])),
        requestedAt: new Date().toISOString(),
        reason: dto.reason ?? null,
        requestedBy: actor.userId,
      };
      const next = { ...content, change };
      await em.update(ClaimCopyEntity, { id: row.id }, { sealed: this.copies.reseal(row, next) });
      await this.outbox.add(em, {
        type: RESTITUTION_SHARING_JOBS.copyChange,
        payload: { copyId: row.id, changeId: change.id },
        correlationId: actor.correlationId ?? undefined,
      });
      // Field names and status codes only, as for a change of the record.
      await this.audit.record(em, actor, {
        action: 'restitution_claim.update',
        recordType: RECORD_TYPE,
        recordId: claimId,
        purpose: CONSENT_PURPOSE,
        details: { referralId, fields, from: current.status, to, on: 'partner_copy', changeId: change.id },
      });
      return copyView(row, next);
    });
  }

  /**
   * For the worker: the partner refused the change outright (the referral ended there, consent is gone): it is kept
   * among the copy's conflicts like any losing change, and the organisation here is alerted, so the copy is not stuck.
   */
  async refused(copyId: string, changeId: string): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      const row = await em.findOne(ClaimCopyEntity, { where: { id: copyId }, lock: { mode: 'pessimistic_write' } });
      const content = row ? this.copies.open(row) : null;
      if (!row || !content?.change || content.change.id !== changeId) return;
      const lost = { ...content.change, rejected: 'invalid' as const, rejectedAt: new Date().toISOString() };
      const next = { ...content, change: null, conflicts: [...(content.conflicts ?? []), lost].slice(-MAX_COPY_CONFLICTS) };
      await em.update(ClaimCopyEntity, { id: row.id }, { sealed: this.copies.reseal(row, next) });
      await this.copies.conflictAlert(em, row, changeId, 'refused');
    });
  }

  /** For the worker: a copy's pending change as it travels (no reason, no user), or null when it is gone or settled. */
  async pendingChange(
    em: EntityManager,
    copyId: string,
    changeId: string,
  ): Promise<{ referralId: string; claimId: string; change: ClaimChange } | null> {
    const row = await em.findOne(ClaimCopyEntity, { where: { id: copyId } });
    const pending = row ? this.copies.open(row).change : null;
    if (!row || !pending || pending.id !== changeId) return null;
    const { id, baseVersion, set, was, requestedAt } = pending;
    return { referralId: row.referralId, claimId: row.claimId, change: { id, baseVersion, set, was, requestedAt } };
  }
}
