import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import { AlertsService } from '../alerts/alerts.service';
import { AuditService } from '../audit/audit.service';
import { Actor } from '../common/auth/actor';
import { DomainError } from '../common/errors/domain-error';
import { Page, pageWindow, PageQueryDto } from '../common/http/pagination';
import { assertCurrency, Money } from '../common/money/money';
import { moneyFromDto } from '../common/money/money.dto';
import { todayUtc } from '../common/validation/is-date-only';
import { AppConfig } from '../config/app-config';
import { ClaimAccessService } from './claim-access.service';
import { ClaimDeadlineJobs } from './claim-deadline-jobs';
import { ClaimShares, PARTNER_RECORDER } from './claim-shares.service';
import { awardedOf, ledgerEntry, ledgersOf } from './claim-records';
import { assertCanRecord, statusAfterLedger } from './claim.state-machine';
import { RecordPaymentDto } from './dto/restitution-input.dto';
import { PaymentResponseDto, RecordedPaymentResponseDto } from './dto/restitution-response.dto';
import { assertAppendable, claimBalance, LedgerEntry } from './ledger';
import { CONSENT_PURPOSE, RECORD_TYPE } from './restitution.constants';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionPaymentEntity } from './restitution-payment.entity';
import { paymentReasonField, RestitutionText } from './restitution-text';
import { claimView, paymentView } from './restitution-views';

/** A claim's payments ledger: record a payment or a correction (one transaction with the claim's status), list it. */
@Injectable()
export class RestitutionPayments {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly claimAccess: ClaimAccessService,
    private readonly deadlineJobs: ClaimDeadlineJobs,
    private readonly text: RestitutionText,
    private readonly audit: AuditService,
    private readonly alerts: AlertsService,
    private readonly shares: ClaimShares,
  ) {}

  async recordPayment(actor: Actor, claimId: string, dto: RecordPaymentDto): Promise<RecordedPaymentResponseDto> {
    const correction = dto.reversesPaymentId !== undefined;
    if (!correction && dto.reason !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: 'reason', errors: ['belongs to a correction (with reversesPaymentId) only'] },
      ]);
    }
    if (correction && dto.recipientCountry !== undefined) {
      throw new DomainError('VALIDATION_FAILED', 'Request validation failed', [
        { field: 'recipientCountry', errors: ['is taken from the reversed payment on a correction'] },
      ]);
    }
    return this.dataSource.transaction(async (em) => {
      // The row lock serialises every ledger write of this claim: concurrent payments each see the ones before them.
      const { claim } = await this.claimAccess.resolveClaim(em, actor, claimId, { lock: true, write: true });
      const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
      const entries = rows.map(ledgerEntry);
      const target = correction ? rows.find((r) => r.id === dto.reversesPaymentId) : undefined;
      if (target && target.recordedByUserId === PARTNER_RECORDER) {
        // One payment, one side to correct it: two sides reversing it while apart would be a conflict (docs/restitution.md).
        throw new DomainError('PAYMENT_INVALID', 'A payment is corrected on the deployment that recorded it', {
          field: 'reversesPaymentId',
          problem: 'recorded_by_partner',
        });
      }
      const id = randomUUID();
      const amount: Money = dto.amount
        ? moneyFromDto(dto.amount, 'amount')
        : target
          ? { currency: target.currency, amountMinor: target.amountMinor }
          : // An unknown payment to reverse: assertAppendable answers unknown_payment whatever the amount.
            { currency: claim.currency, amountMinor: 1n };
      const entry: LedgerEntry = { id, amount, reversesPaymentId: dto.reversesPaymentId ?? null, reason: dto.reason ?? null };
      assertCanRecord(claim.status, entry);
      assertCurrency(claim.currency, amount, 'amount');
      assertAppendable(entries, entry);

      const reasonCiphertext = correction ? await this.text.sealOptional(em, claim.caseId, paymentReasonField(id), dto.reason!) : null;
      try {
        await em.insert(RestitutionPaymentEntity, {
          id,
          claimId,
          currency: amount.currency,
          amountMinor: amount.amountMinor,
          paidAt: dto.paidAt ?? todayUtc(),
          payer: dto.payer ?? target!.payer,
          method: dto.method ?? target!.method,
          recipientCountry: correction ? target!.recipientCountry : (dto.recipientCountry ?? null),
          reference: dto.reference ?? null,
          reversesPaymentId: dto.reversesPaymentId ?? null,
          hasReason: correction,
          reasonCiphertext,
          recordedByUserId: actor.userId,
          recordedByOrganisationId: actor.organisationId,
        });
      } catch (err) {
        // The unique index is the last word on "reversed once", should the row lock ever be bypassed.
        if (err instanceof QueryFailedError && (err.driverError as { code?: string }).code === '23505') {
          throw new DomainError('PAYMENT_ALREADY_REVERSED', 'That payment has already been reversed', {
            field: 'reversesPaymentId',
            problem: 'already_reversed',
          });
        }
        throw err;
      }
      const ledger = [...entries, entry];
      const from = claim.status;
      const to = statusAfterLedger(from, awardedOf(claim), ledger);
      await em.update(RestitutionClaimEntity, { id: claimId, version: claim.version }, { status: to, version: claim.version + 1 });
      const updated = await em.findOneOrFail(RestitutionClaimEntity, { where: { id: claimId } });

      const jobs = to !== from ? await this.deadlineJobs.schedule(em, updated, actor.correlationId) : 0;
      const balance = claimBalance(awardedOf(updated), ledger);
      let resolvedAlerts = 0;
      if (updated.awardedMinor !== null && balance.outstanding.get(updated.currency) === 0n) {
        resolvedAlerts = await this.alerts.resolveOpenForRecord(
          em,
          { recordType: RECORD_TYPE, recordId: claimId, type: 'restitution_payment_overdue' },
          'no_longer_applies',
        );
      }
      await this.audit.record(em, actor, {
        action: correction ? 'restitution_payment.reverse' : 'restitution_payment.record',
        recordType: 'restitution_payment',
        recordId: id,
        purpose: CONSENT_PURPOSE,
        details: {
          claimId,
          caseId: claim.caseId,
          kind: correction ? 'correction' : 'payment',
          currency: amount.currency,
          ...(correction ? { reversesPaymentId: dto.reversesPaymentId } : {}),
          from,
          to,
          deadlineJobs: jobs,
          resolvedAlerts,
        },
      });
      await this.shares.changed(em, claimId, actor.correlationId);
      const allRows = (await ledgersOf(em, [claimId])).get(claimId)!;
      const stored = allRows.find((r) => r.id === id)!;
      const text = await this.text.openClaimText(em, updated);
      return {
        payment: paymentView(stored, allRows, correction ? (dto.reason ?? null) : null),
        claim: claimView(updated, allRows, 'responsible', text),
      };
    });
  }

  async listPayments(actor: Actor, claimId: string, query: PageQueryDto): Promise<Page<PaymentResponseDto>> {
    const em = this.dataSource.manager;
    const { claim, access } = await this.claimAccess.resolveClaim(em, actor, claimId);
    const { page, limit, skip } = pageWindow(query, this.config.http.listLimitMax);
    const rows = (await ledgersOf(em, [claimId])).get(claimId)!;
    const window = rows.slice(skip, skip + limit);
    const reasons = access === 'consent' ? undefined : await this.text.openPaymentReasons(em, claim.caseId, window);
    return {
      items: window.map((r) => paymentView(r, rows, reasons ? (reasons.get(r.id) ?? null) : undefined)),
      total: rows.length,
      page,
      limit,
    };
  }
}
