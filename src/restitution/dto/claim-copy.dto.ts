import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { nullableEnum, nullableObject } from '../../common/http/api-schema';
import type { MoneyJson } from '../../common/money/money';
import { MoneyDto } from '../../common/money/money.dto';
import {
  CLAIM_STATUSES,
  ClaimStatus,
  PAYERS,
  PAYMENT_METHODS,
  Payer,
  PaymentMethod,
  RESTITUTION_ROUTES,
  RestitutionRoute,
} from '../../common/vocabulary';
import { CHANGE_FIELDS, ChangeField, REJECTION_REASONS, RejectionReason } from '../claim-change';

const SIDES = ['here', 'partner', 'other'] as const;
type Side = (typeof SIDES)[number];
const DATE = { type: String, format: 'date', maxLength: 10, pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export class ClaimCopyPaymentDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) id: string;
  @ApiProperty({ enum: ['payment', 'correction'] }) kind: 'payment' | 'correction';
  @ApiProperty({ type: MoneyDto }) amount: MoneyJson;
  @ApiProperty({ format: 'date', maxLength: 10, pattern: '^\\d{4}-\\d{2}-\\d{2}$' }) paidAt: string;
  @ApiProperty({ enum: PAYERS }) payer: Payer;
  @ApiProperty({ enum: PAYMENT_METHODS }) method: PaymentMethod;
  @ApiProperty({ type: String, nullable: true, maxLength: 2, pattern: '^[A-Z]{2}$' }) recipientCountry: string | null;
  @ApiProperty({ type: String, format: 'uuid', maxLength: 36, nullable: true }) reversesPaymentId: string | null;
  @ApiProperty({ enum: ['here', 'partner'], description: 'Which deployment recorded it' }) recordedBy: 'here' | 'partner';
  @ApiProperty({ description: 'Recorded here and not yet confirmed by the partner\u2019s record' }) pending: boolean;
}

const NULLABLE_DATE = { ...DATE, nullable: true, required: false } as const;

/** The facts a change sets (only those it changes are present). */
export class ClaimChangeValuesDto {
  @ApiProperty({ enum: CLAIM_STATUSES, required: false }) status?: ClaimStatus;
  @ApiProperty({ type: String, nullable: true, maxLength: 200, required: false }) forum?: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 100, required: false }) forumCaseNumber?: string | null;
  @ApiPropertyOptional({
    type: 'object',
    nullable: true,
    description: 'Integer minor units as a string of digits',
    properties: {
      currency: { type: 'string', maxLength: 3, pattern: '^[A-Z]{3}$' },
      amountMinor: { type: 'string', maxLength: 38, pattern: '^[1-9][0-9]*$' },
    },
  })
  awarded?: { currency: string; amountMinor: string } | null;
  @ApiProperty(NULLABLE_DATE) filedAt?: string | null;
  @ApiProperty(NULLABLE_DATE) awardedAt?: string | null;
  @ApiProperty(NULLABLE_DATE) filingDeadline?: string | null;
  @ApiProperty(NULLABLE_DATE) appealDeadline?: string | null;
  @ApiProperty(NULLABLE_DATE) paymentDueAt?: string | null;
}

/** A change made on this copy by the responsible organisation here, sent to the partner's record. */
export class ClaimCopyChangeDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) id: string;
  @ApiProperty({ enum: CHANGE_FIELDS, isArray: true, maxItems: 9 }) fields: ChangeField[];
  @ApiProperty({ type: ClaimChangeValuesDto }) set: ClaimChangeValuesDto;
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 2147483647,
    description: 'The record\u2019s version it was made on',
  })
  baseVersion: number;
  @ApiProperty({ format: 'date-time', maxLength: 40 }) requestedAt: string;
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The user of this deployment who made it' }) requestedBy: string;
}

/** A change the partner's record did not take (the conflict rule): kept here with its values, who, when and why. */
export class ClaimCopyConflictDto extends ClaimCopyChangeDto {
  @ApiProperty({
    enum: REJECTION_REASONS,
    description:
      'not_responsible: responsibility moved meanwhile; stale: the same fact changed on the record meanwhile; invalid: the move is no longer legal',
  })
  rejected: RejectionReason;
  @ApiProperty({ format: 'date-time', maxLength: 40 }) rejectedAt: string;
}

/** A claim that a referral from a partner deployment carried: the partner holds the record, this deployment a sealed copy. */
@ApiExtraModels(MoneyDto, ClaimCopyChangeDto)
export class ClaimCopyResponseDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The claim\u2019s id on the deployment that holds the case' }) claimId: string;
  @ApiProperty({ format: 'uuid', maxLength: 36 }) referralId: string;
  @ApiProperty({ enum: RESTITUTION_ROUTES }) route: RestitutionRoute;
  @ApiProperty({ maxLength: 2, pattern: '^[A-Z]{2}$', example: 'TH' }) jurisdiction: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 200 }) forum: string | null;
  @ApiProperty({ type: String, nullable: true, maxLength: 100 }) forumCaseNumber: string | null;
  @ApiProperty({ enum: CLAIM_STATUSES }) status: ClaimStatus;
  @ApiProperty({ type: MoneyDto }) claimed: MoneyJson;
  @ApiProperty(nullableObject(MoneyDto, { description: 'Null until awarded' })) awarded: MoneyJson | null;
  @ApiProperty({ type: [MoneyDto], maxItems: 1, description: 'Payments minus corrections, including those recorded here and pending' })
  paid: MoneyJson[];
  @ApiProperty({ type: [MoneyDto], maxItems: 1, description: 'Awarded \u2212 paid, never below 0; empty until awarded' })
  outstanding: MoneyJson[];
  @ApiProperty({ ...DATE, nullable: true }) filedAt: string | null;
  @ApiProperty({ ...DATE, nullable: true }) awardedAt: string | null;
  @ApiProperty({ ...DATE, nullable: true }) filingDeadline: string | null;
  @ApiProperty({ ...DATE, nullable: true }) appealDeadline: string | null;
  @ApiProperty({ ...DATE, nullable: true, description: 'Its alerts are raised on the responsible side' }) paymentDueAt: string | null;
  @ApiProperty({ enum: SIDES, description: 'here: this organisation pursues the claim; partner: the sending organisation does' })
  responsible: Side;
  @ApiProperty(nullableEnum(SIDES, { description: 'Where the survivor is reached for payout' })) survivorContact: Side | null;
  @ApiProperty({ type: [ClaimCopyPaymentDto], maxItems: 800, description: 'The ledger: the record\u2019s entries, then pending ones' })
  payments: ClaimCopyPaymentDto[];
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 1,
    maximum: 2147483647,
    description: 'The record\u2019s version this copy shows; If-Match for PATCH takes it ("<version>")',
  })
  version: number;
  @ApiProperty({
    ...nullableObject(ClaimCopyChangeDto, { description: 'A change made here not yet settled by the record; its values show above' }),
  })
  pendingChange: ClaimCopyChangeDto | null;
  @ApiProperty({
    type: [ClaimCopyConflictDto],
    maxItems: 100,
    description: 'Changes made here that the record did not take (the latest 100)',
  })
  conflicts: ClaimCopyConflictDto[];
}

export class ClaimCopyListDto {
  @ApiProperty({ type: [ClaimCopyResponseDto], maxItems: 1000 }) items: ClaimCopyResponseDto[];
}
