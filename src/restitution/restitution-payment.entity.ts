import { Check, Column, CreateDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { AMOUNT_MINOR_COLUMN, AMOUNT_MINOR_PRECISION } from '../common/money/amount-column';
import { PAYERS, PAYMENT_METHODS, Payer, PaymentMethod } from '../common/vocabulary/restitution';
import { RestitutionClaimEntity } from './restitution-claim.entity';

/**
 * One row of a claim's payments ledger. Append-only: a trigger refuses UPDATE and DELETE and the application role holds
 * neither grant. A correction is a row with reverses_payment_id set (unique: a payment is reversed at most once, even
 * by two concurrent requests). Its reason is free text and is stored only sealed under the case's data key.
 */
@Entity('restitution_payments')
@Index('ix_restitution_payments_claim', ['claimId', 'seq'])
@Index('uq_restitution_payments_reverses', ['reversesPaymentId'], { unique: true })
@Check('ck_restitution_payments_amount_positive', '"amount_minor" > 0')
@Check('ck_restitution_payments_reversal_reason', '("reverses_payment_id" IS NULL) = ("has_reason" = false)')
export class RestitutionPaymentEntity {
  /** Chosen by the service before the insert: a reversal reason's ciphertext names it. */
  @PrimaryColumn('uuid') id: string;
  /** Ledger order; the arithmetic replays entries in this order. */
  @Column({ type: 'bigint' }) @Generated('increment') seq: string;
  @Column({ type: 'uuid' }) claimId: string;
  @ManyToOne(() => RestitutionClaimEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'claim_id' })
  claim?: RestitutionClaimEntity;
  @Column({ type: 'char', length: 3 }) currency: string;
  @Column({ type: 'numeric', precision: AMOUNT_MINOR_PRECISION, scale: 0, transformer: AMOUNT_MINOR_COLUMN }) amountMinor: bigint;
  @Column({ type: 'date' }) paidAt: string;
  @Column({ type: 'enum', enum: PAYERS, enumName: 'restitution_payer' }) payer: Payer;
  @Column({ type: 'enum', enum: PAYMENT_METHODS, enumName: 'restitution_payment_method' }) method: PaymentMethod;
  @Column({ type: 'char', length: 2, nullable: true }) recipientCountry: string | null;
  /** The payer's or bank's transaction reference (not the survivor's account details). */
  @Column({ type: 'varchar', length: 100, nullable: true }) reference: string | null;
  @Column({ type: 'uuid', nullable: true }) reversesPaymentId: string | null;
  @ManyToOne(() => RestitutionPaymentEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'reverses_payment_id' })
  reverses?: RestitutionPaymentEntity;
  /** A correction always had a reason; kept apart from the ciphertext, which is gone once the case's key is destroyed. */
  @Column({ type: 'boolean', default: false }) hasReason: boolean;
  @Column({ type: 'bytea', nullable: true, select: false }) reasonCiphertext: Buffer | null;
  @Column({ type: 'uuid' }) recordedByUserId: string;
  @Column({ type: 'uuid' }) recordedByOrganisationId: string;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
