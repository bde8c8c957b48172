import { Injectable } from '@nestjs/common';
import { EntityManager, In } from 'typeorm';
import { CaseKeys } from '../cases/case-keys.service';
import { DomainError } from '../common/errors/domain-error';
import { RestitutionClaimEntity } from './restitution-claim.entity';
import { RestitutionPaymentEntity } from './restitution-payment.entity';
import { Sealed } from './restitution-views';

/** Associated data of the sealed free-text fields: each ciphertext is bound to its case (by the key) and its record. */
export const notesField = (claimId: string): string => `restitutionNotes:${claimId}`;
export const statusReasonField = (claimId: string): string => `restitutionStatusReason:${claimId}`;
export const paymentReasonField = (paymentId: string): string => `restitutionPaymentReason:${paymentId}`;

/**
 * The free text of claims and payments (notes, status reasons, correction reasons), sealed under the case's key
 * (CaseKeys) like the case's identity, so erasing the case's identity erases it too. Text that fails authentication
 * (tampering, a ciphertext copied from another record) is answered without, and an operator is told (ids only).
 */
@Injectable()
export class RestitutionText {
  constructor(private readonly keys: CaseKeys) {}

  /** Notes and status reasons: refused when they cannot be kept sealed (the case's identity was erased). */
  async sealRequired(em: EntityManager, caseId: string, field: string, text: string): Promise<Buffer> {
    const sealed = await this.sealOptional(em, caseId, field, text);
    if (!sealed) throw new DomainError('CASE_IDENTITY_ERASED', 'The identity of this case was erased: free text cannot be kept for it');
    return sealed;
  }

  /** A correction's reason: a correction must never fail for want of a key; without one its reason is not kept. */
  sealOptional(em: EntityManager, caseId: string, field: string, text: string): Promise<Buffer | null> {
    return this.keys.seal(em, caseId, field, text, { unavailable: 'null' });
  }

  async openClaimText(em: EntityManager, claim: RestitutionClaimEntity): Promise<Sealed> {
    const row = await em.findOne(RestitutionClaimEntity, {
      select: { id: true, notesCiphertext: true, statusReasonCiphertext: true },
      where: { id: claim.id },
    });
    if (!row?.notesCiphertext && !row?.statusReasonCiphertext) return { notes: null, statusReason: null };
    const opened = await this.keys.withCaseKey(
      em,
      claim.caseId,
      (key) => ({
        notes: key.openOrNull<string>(notesField(claim.id), row.notesCiphertext),
        statusReason: key.openOrNull<string>(statusReasonField(claim.id), row.statusReasonCiphertext),
      }),
      { unavailable: 'null' },
    );
    return opened ?? { notes: null, statusReason: null };
  }

  async openPaymentReasons(em: EntityManager, caseId: string, rows: RestitutionPaymentEntity[]): Promise<Map<string, string | null>> {
    const ids = rows.filter((r) => r.hasReason).map((r) => r.id);
    const out = new Map<string, string | null>();
    if (ids.length === 0) return out;
    const sealed = await em.find(RestitutionPaymentEntity, { select: { id: true, reasonCiphertext: true }, where: { id: In(ids) } });
    await this.keys.withCaseKey(
      em,
      caseId,
      (key) => {
        for (const s of sealed) out.set(s.id, key.openOrNull<string>(paymentReasonField(s.id), s.reasonCiphertext));
      },
      { unavailable: 'null' },
    );
    return out;
  }
}
