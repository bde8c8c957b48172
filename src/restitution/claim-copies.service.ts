/**
 * Claims across deployments, the receiving side (docs/restitution.md, "Across borders"): the copies of the claims a
 * referral from a partner deployment carried, sealed like the referral packet (a data key per row, wrapped under the
 * master key), brought up to date by the partner's snapshots, shown to the receiving organisation, and deleted by a
 * recall. A payment recorded here is kept as pending on the copy and sent to the partner's record (the referrals worker
 * sends it); the partner's next snapshot confirms it.
 */
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError, notFound } from '../common/errors/domain-error';
import { assertCurrency, Money, toMoneyJson } from '../common/money/money';
import { moneyFromDto } from '../common/money/money.dto';
import { todayUtc } from '../common/validation/is-date-only';
import { AppConfig } from '../config/app-config';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { InboundPacketStore } from '../federation/inbound-packet-store';
import { OutboxService } from '../outbox/outbox.service';
import { changedFields } from './claim-change';
import { ClaimCopyEntity } from './claim-copy.entity';
import {
  applySnapshot,
  ClaimSide,
  ClaimSnapshot,
  copyLedger,
  CopyContent,
  fromWireMoney,
  ledgerEntryOf,
  lostBy,
  parseClaimSnapshot,
  PendingChange,
  SnapshotPayment,
  toWireMoney,
} from './claim-snapshot';
import { assertCanRecord } from './claim.state-machine';
import { ClaimCopyResponseDto } from './dto/claim-copy.dto';
import { RecordPaymentDto } from './dto/restitution-input.dto';
import { alertMoments, deadlineTimeZone } from './deadlines';
import { RESTITUTION_JOBS } from './jobs/restitution.jobs';
import { RESTITUTION_SHARING_JOBS } from './jobs/restitution.events';
import { assertAppendable, claimBalance, LedgerEntry } from './ledger';
import { CONSENT_PURPOSE } from './restitution.constants';

const FIELD = 'restitution_claim_copy';
/** The record type of the alerts raised on a copy (its deadlines, a lost change). */
export const COPY_RECORD = 'restitution_claim_copy';
/** Most claims one referral may carry. */
export const MAX_CARRIED_CLAIMS = 100;

export interface CopiesReceived {
  referralId: string;
  holderOrganisationId: string;
  partnerOrganisationId: string;
  claims: unknown[];
}

@Injectable()
export class ClaimCopies {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CaseCryptoService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly packets: InboundPacketStore,
    private readonly alerts: AlertsService,
    private readonly config: AppConfig,
  ) {}

  /** The claims a referral packet carried, checked member by member, stored sealed (in the packet's transaction). */
  async receive(em: EntityManager, input: CopiesReceived): Promise<number> {
    if (input.claims.length > MAX_CARRIED_CLAIMS) throw malformed('restitutionClaims');
    const snapshots = input.claims.map((c, i) => parseClaimSnapshot(c, `restitutionClaims[${i}]`));
    if (new Set(snapshots.map((s) => s.id)).size !== snapshots.length) throw malformed('restitutionClaims');
    for (const snapshot of snapshots) await this.insert(em, input, snapshot);
    return snapshots.length;
  }

  /**
   * A snapshot the partner sent after a change of its record. A newer version replaces the copy (keeping this side's
   * pending payments that it does not hold yet); an older or equal one changes nothing. A claim the referral did not
   * carry before is added (the partner's consent check covered it).
   */
  async applySnapshot(
    em: EntityManager,
    input: { referralId: string; holderOrganisationId: string; partnerOrganisationId: string },
    raw: unknown,
  ): Promise<'applied' | 'stale'> {
    const snapshot = parseClaimSnapshot(raw, 'claim');
    const row = await em.findOne(ClaimCopyEntity, {
      where: { referralId: input.referralId, claimId: snapshot.id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row) {
      await this.insert(em, input, snapshot);
      return 'applied';
    }
    const before = this.open(row);
    const next = applySnapshot(before, snapshot);
    if (!next) return 'stale';
    await em.update(ClaimCopyEntity, { id: row.id }, { version: next.snapshot.version, sealed: this.reseal(row, next) });
    const lost = lostBy(before, next);
    if (lost) await this.conflictAlert(em, row, lost.id, lost.rejected);
    if (next.snapshot.version > before.snapshot.version) await this.deadlinesChanged(em, row.id, before, next);
    return next.snapshot.version > before.snapshot.version ? 'applied' : 'stale';
  }

  /**
   * Deadlines belong to the responsible side: while this side's organisation is responsible, the copy's three dates
   * get delayed jobs here (the worker re-reads the copy and raises only what is still due); when responsibility moves
   * away, the copy's open deadline alerts are closed.
   */
  private async deadlinesChanged(em: EntityManager, copyId: string, before: CopyContent | null, next: CopyContent): Promise<void> {
    const [was, now] = [before?.snapshot, next.snapshot];
    if (now.responsible !== 'receiver') {
      if (was?.responsible === 'receiver') {
        for (const type of ['restitution_deadline', 'restitution_payment_overdue'] as const)
          await this.alerts.resolveOpenForRecord(em, { recordType: COPY_RECORD, recordId: copyId, type }, 'no_longer_applies');
      }
      return;
    }
    const same =
      was?.responsible === 'receiver' &&
      was.status === now.status &&
      was.jurisdiction === now.jurisdiction &&
      was.filingDeadline === now.filingDeadline &&
      was.appealDeadline === now.appealDeadline &&
      was.paymentDueAt === now.paymentDueAt;
    if (same) return;
    const moments = alertMoments(now, {
      now: new Date(),
      leadDays: this.config.restitution.reminderLeadDays,
      timeZone: deadlineTimeZone(now.jurisdiction),
    });
    for (const m of moments) {
      await this.outbox.add(em, {
        type: RESTITUTION_JOBS.copyDeadline,
        payload: { copyId, kind: m.kind, dueDate: m.dueDate },
        availableAt: m.at,
      });
    }
  }

  /** A change made here lost against the record (claim-change.ts): the holding organisation is told; it is kept. */
  async conflictAlert(
    em: EntityManager,
    row: Pick<ClaimCopyEntity, 'id' | 'holderOrganisationId' | 'claimId' | 'referralId'>,
    changeId: string,
    reason: string,
  ) {
    await this.alerts.raise(em, {
      organisationId: row.holderOrganisationId,
      type: 'claim_conflict',
      recordType: COPY_RECORD,
      recordId: row.id,
      details: { claimId: row.claimId, referralId: row.referralId, changeId, reason },
      dedupeKey: `claim_conflict:${changeId}`,
    });
  }

  /** For the deadline worker: the copy as its alert rules need it, or null when it is gone. */
  async deadlineState(em: EntityManager, copyId: string): Promise<{ row: ClaimCopyEntity; content: CopyContent } | null> {
    const row = await em.findOne(ClaimCopyEntity, { where: { id: copyId } });
    return row ? { row, content: this.open(row) } : null;
  }

  /** The copies the receiving organisation holds for an incoming referral (404 for anyone else, like a missing one). */
  async list(actor: Actor, referralId: string): Promise<ClaimCopyResponseDto[]> {
    const rows = await this.dataSource.manager.find(ClaimCopyEntity, { where: { referralId }, order: { createdAt: 'ASC', id: 'ASC' } });
    const mine = rows.filter((r) => r.holderOrganisationId === actor.organisationId);
    if (mine.length !== rows.length) throw notFound('Referral');
    // The person restricted the case on the partner deployment: its claims are not read here either meanwhile.
    await this.packets.assertNotRestricted(this.dataSource.manager, referralId, actor.organisationId);
    return mine.map((r) => copyView(r, this.open(r)));
  }

  /**
   * A copy its holder is about to change (a payment, a change of the claim), locked: 404 for anyone but the receiving
   * organisation, and 403 CASE_RESTRICTED while the sender's restriction notice stands, as for reading it (the answer
   * shows the claim, and the person asked that it not be processed meanwhile).
   */
  async lockHeld(em: EntityManager, actor: Actor, referralId: string, claimId: string): Promise<ClaimCopyEntity> {
    const row = await em.findOne(ClaimCopyEntity, { where: { referralId, claimId }, lock: { mode: 'pessimistic_write' } });
    if (!row || row.holderOrganisationId !== actor.organisationId) throw notFound('Restitution claim');
    await this.packets.assertNotRestricted(em, referralId, actor.organisationId);
    return row;
  }

  /**
   * A payment or correction recorded here, by the receiving organisation, on a carried claim: kept pending on the copy
   * and sent to the partner's record in the same commit (outbox). A correction takes back a payment recorded here.
   */
  async recordPayment(actor: Actor, referralId: string, claimId: string, dto: RecordPaymentDto): Promise<ClaimCopyResponseDto> {
    return this.dataSource.transaction(async (em) => {
      const row = await this.lockHeld(em, actor, referralId, claimId);
      const content = this.open(row);
      const ledger = copyLedger(content);
      const correction = dto.reversesPaymentId !== undefined;
      const target = correction ? ledger.find((p) => p.id === dto.reversesPaymentId) : undefined;
      if (target && target.recordedBy !== 'receiver') {
        throw new DomainError('PAYMENT_INVALID', 'A payment is corrected on the deployment that recorded it', {
          field: 'reversesPaymentId',
          problem: 'recorded_by_partner',
        });
      }
      const id = randomUUID();
      const amount: Money = dto.amount
        ? moneyFromDto(dto.amount, 'amount')
        : target
          ? fromWireMoney(target.amount)
          : { currency: content.snapshot.claimed.currency, amountMinor: 1n };
      const entry: LedgerEntry = { id, amount, reversesPaymentId: dto.reversesPaymentId ?? null, reason: dto.reason ?? null };
      assertCanRecord(content.snapshot.status, entry);
      assertCurrency(content.snapshot.claimed.currency, amount, 'amount');
      assertAppendable(ledger.map(ledgerEntryOf), entry);
      const payment: SnapshotPayment = {
        id,
        amount: toWireMoney(amount),
        paidAt: dto.paidAt ?? todayUtc(),
        payer: dto.payer ?? target!.payer,
        method: dto.method ?? target!.method,
        recipientCountry: correction ? target!.recipientCountry : (dto.recipientCountry ?? null),
        reversesPaymentId: dto.reversesPaymentId ?? null,
        recordedBy: 'receiver',
      };
      const next: CopyContent = { ...content, pending: [...content.pending, payment] };
      await em.update(ClaimCopyEntity, { id: row.id }, { sealed: this.reseal(row, next) });
      await this.outbox.add(em, {
        type: RESTITUTION_SHARING_JOBS.copyPayment,
        payload: { copyId: row.id, paymentId: id },
        correlationId: actor.correlationId ?? undefined,
      });
      await this.audit.record(em, actor, {
        action: correction ? 'restitution_payment.reverse' : 'restitution_payment.record',
        recordType: 'restitution_payment',
        recordId: id,
        purpose: CONSENT_PURPOSE,
        details: { claimId, referralId, kind: correction ? 'correction' : 'payment', currency: amount.currency, on: 'partner_copy' },
      });
      return copyView({ ...row }, next);
    });
  }

  /** For the worker: a pending payment of a copy, with where it goes; null when the copy or the payment is gone. */
  async pendingPayment(
    em: EntityManager,
    copyId: string,
    paymentId: string,
  ): Promise<{ referralId: string; claimId: string; payment: SnapshotPayment } | null> {
    const row = await em.findOne(ClaimCopyEntity, { where: { id: copyId } });
    if (!row) return null;
    const payment = copyLedger(this.open(row)).find((p) => p.id === paymentId);
    return payment ? { referralId: row.referralId, claimId: row.claimId, payment } : null;
  }

  /** A recall or a withdrawal: every copy the referral carried is deleted (key and ciphertext with the row). */
  async dropForReferral(em: EntityManager, referralId: string): Promise<number> {
    const rows = await em.find(ClaimCopyEntity, { select: { id: true }, where: { referralId } });
    // Its deadline and conflict alerts go with the copy.
    for (const row of rows) await this.alerts.resolveOpenForRecord(em, { recordType: COPY_RECORD, recordId: row.id }, 'record_closed');
    const result = await em.delete(ClaimCopyEntity, { referralId });
    return result.affected ?? 0;
  }

  private async insert(
    em: EntityManager,
    input: { referralId: string; holderOrganisationId: string; partnerOrganisationId: string },
    snapshot: ClaimSnapshot,
  ): Promise<void> {
    const id = randomUUID();
    const { dataKey, wrapped } = this.crypto.newKey(id);
    try {
      await em.insert(ClaimCopyEntity, {
        id,
        referralId: input.referralId,
        claimId: snapshot.id,
        holderOrganisationId: input.holderOrganisationId,
        partnerOrganisationId: input.partnerOrganisationId,
        version: snapshot.version,
        masterKeyId: wrapped.masterKeyId,
        wrappedKey: wrapped.wrappedKey,
        sealed: this.crypto.encrypt(dataKey, id, FIELD, { snapshot, pending: [] } satisfies CopyContent),
      });
    } finally {
      dataKey.fill(0);
    }
    await this.deadlinesChanged(em, id, null, { snapshot, pending: [] });
  }

  open(row: ClaimCopyEntity): CopyContent {
    const dataKey = this.crypto.unwrap(row.id, { masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey });
    try {
      return this.crypto.decrypt<CopyContent>(dataKey, row.id, FIELD, row.sealed);
    } finally {
      dataKey.fill(0);
    }
  }

  reseal(row: ClaimCopyEntity, content: CopyContent): Buffer {
    const dataKey = this.crypto.unwrap(row.id, { masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey });
    try {
      return this.crypto.encrypt(dataKey, row.id, FIELD, content);
    } finally {
      dataKey.fill(0);
    }
  }
}

const malformed = (member: string) =>
  new DomainError('FEDERATION_MALFORMED_PACKET', `The packet body member ${member} is missing or invalid`, { member });

const here = (side: ClaimSide): 'here' | 'partner' | 'other' => (side === 'receiver' ? 'here' : side === 'sender' ? 'partner' : 'other');

/** A copy as the receiving organisation reads it: the record's facts, the merged ledger and its totals. */
export function copyView(row: Pick<ClaimCopyEntity, 'referralId' | 'claimId'>, content: CopyContent): ClaimCopyResponseDto {
  // A change made here and not yet settled shows on top of the record's facts (marked by pendingChange).
  const s = { ...content.snapshot, ...(content.change?.set ?? {}) };
  const ledger = copyLedger(content);
  const pending = new Set(content.pending.map((p) => p.id));
  const awarded = s.awarded ? fromWireMoney(s.awarded) : null;
  const balance = claimBalance(awarded, ledger.map(ledgerEntryOf));
  return {
    claimId: s.id,
    referralId: row.referralId,
    route: s.route,
    jurisdiction: s.jurisdiction,
    forum: s.forum,
    forumCaseNumber: s.forumCaseNumber,
    status: s.status,
    claimed: toMoneyJson(fromWireMoney(s.claimed)),
    awarded: awarded ? toMoneyJson(awarded) : null,
    paid: balance.paid.toJSON(),
    outstanding: balance.outstanding.toJSON(),
    filedAt: s.filedAt,
    awardedAt: s.awardedAt,
    filingDeadline: s.filingDeadline,
    appealDeadline: s.appealDeadline,
    paymentDueAt: s.paymentDueAt,
    responsible: here(s.responsible),
    survivorContact: s.survivorContact === null ? null : here(s.survivorContact),
    payments: ledger.map((p) => ({
      id: p.id,
      kind: p.reversesPaymentId ? 'correction' : 'payment',
      amount: toMoneyJson(fromWireMoney(p.amount)),
      paidAt: p.paidAt,
      payer: p.payer,
      method: p.method,
      recipientCountry: p.recipientCountry,
      reversesPaymentId: p.reversesPaymentId,
      recordedBy: p.recordedBy === 'receiver' ? 'here' : 'partner',
      pending: pending.has(p.id),
    })),
    version: s.version,
    pendingChange: content.change ? changeView(content.change) : null,
    conflicts: (content.conflicts ?? []).map((c) => ({ ...changeView(c), rejected: c.rejected, rejectedAt: c.rejectedAt })),
  };
}

const changeView = (c: PendingChange) => ({
  id: c.id,
  fields: changedFields(c),
  set: c.set,
  baseVersion: c.baseVersion,
  requestedAt: c.requestedAt,
  requestedBy: c.requestedBy,
});
