import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { nullableObject } from '../../common/http/api-schema';
import { MoneyDto } from '../../common/money/money.dto';
import {
  CLAIM_DEADLINES,
  CLAIM_STATUSES,
  ClaimDeadline,
  ClaimStatus,
  PAYERS,
  PAYMENT_METHODS,
  Payer,
  PaymentMethod,
  RESPONSIBILITY_CAUSES,
  RESTITUTION_ROUTES,
  ResponsibilityCause,
  RestitutionRoute,
} from '../../common/vocabulary';
import type { MoneyJson } from '../../common/money/money';

export const CLAIM_ACCESS = ['responsible', 'case', 'survivor_contact', 'consent'] as const;
export type ClaimAccess = (typeof CLAIM_ACCESS)[number];

export class OpenDeadlineDto {
  @ApiProperty({ enum: CLAIM_DEADLINES }) deadline: ClaimDeadline;
  @ApiProperty({ format: 'date' }) dueDate: string;
  @ApiProperty({ description: 'The date has passed in the jurisdiction\u2019s time zone' }) passed: boolean;
}

@ApiExtraModels(MoneyDto)
export class RestitutionClaimResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ enum: RESTITUTION_ROUTES }) route: RestitutionRoute;
  @ApiProperty({ example: 'TH', maxLength: 2 }) jurisdiction: string;
  @ApiProperty({ type: String, nullable: true, maxLength: 200 }) forum: string | null;
  @ApiProperty({ type: String, nullable: true }) forumCaseNumber: string | null;
  @ApiProperty({ enum: CLAIM_STATUSES }) status: ClaimStatus;
  @ApiProperty({ type: MoneyDto }) claimed: MoneyJson;
  @ApiProperty(nullableObject(MoneyDto, { description: 'Null until awarded' })) awarded: MoneyJson | null;
  @ApiProperty({ type: [MoneyDto], description: 'Per currency: payments minus corrections' }) paid: MoneyJson[];
  @ApiProperty({ type: [MoneyDto], description: 'Per awarded currency: awarded \u2212 paid, never below 0; empty until awarded' })
  outstanding: MoneyJson[];
  @ApiProperty({ description: 'More was paid than awarded (see overpaidBy)' }) overpaid: boolean;
  @ApiProperty({ type: [MoneyDto] }) overpaidBy: MoneyJson[];
  @ApiProperty({ description: 'Money was recorded in a currency that was not awarded (it offsets nothing)' })
  paidInUnawardedCurrency: boolean;
  @ApiProperty({ type: [MoneyDto] }) unawardedPaid: MoneyJson[];
  @ApiProperty({ type: String, format: 'date', nullable: true }) filedAt: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) awardedAt: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) filingDeadline: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) appealDeadline: string | null;
  @ApiProperty({ type: String, format: 'date', nullable: true }) paymentDueAt: string | null;
  @ApiProperty({ type: [OpenDeadlineDto], description: 'The deadlines that still ask something in this status' })
  openDeadlines: OpenDeadlineDto[];
  @ApiProperty({ format: 'uuid' }) responsibleOrganisationId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) survivorContactOrganisationId: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Only for the claim\u2019s own organisations; absent for a partner reading under consent',
  })
  notes?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'The reason of the last move to rejected, unenforceable or withdrawn; like notes',
  })
  statusReason?: string | null;
  @ApiProperty({ enum: CLAIM_ACCESS, description: 'Why the caller sees this claim; only "responsible" may change it' }) access: ClaimAccess;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class RestitutionClaimPageDto {
  @ApiProperty({ type: [RestitutionClaimResponseDto] }) items: RestitutionClaimResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class PaymentResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) claimId: string;
  @ApiProperty({ enum: ['payment', 'correction'] }) kind: 'payment' | 'correction';
  @ApiProperty({ type: MoneyDto }) amount: MoneyJson;
  @ApiProperty({ format: 'date' }) paidAt: string;
  @ApiProperty({ enum: PAYERS }) payer: Payer;
  @ApiProperty({ enum: PAYMENT_METHODS }) method: PaymentMethod;
  @ApiProperty({ type: String, nullable: true }) recipientCountry: string | null;
  @ApiProperty({ type: String, nullable: true }) reference: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Set on a correction: the payment it takes back' })
  reversesPaymentId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Set on a payment that a correction took back' })
  reversedByPaymentId: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'A correction\u2019s reason; only for the claim\u2019s own organisations',
  })
  reason?: string | null;
  @ApiProperty({ format: 'uuid' }) recordedByOrganisationId: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class PaymentPageDto {
  @ApiProperty({ type: [PaymentResponseDto] }) items: PaymentResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class RecordedPaymentResponseDto {
  @ApiProperty({ type: PaymentResponseDto }) payment: PaymentResponseDto;
  @ApiProperty({ type: RestitutionClaimResponseDto, description: 'The claim after this entry: status, paid, outstanding, flags' })
  claim: RestitutionClaimResponseDto;
}

export class ResponsibilityPeriodDto {
  @ApiProperty({ format: 'uuid' }) responsibleOrganisationId: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) survivorContactOrganisationId: string | null;
  @ApiProperty({ enum: RESPONSIBILITY_CAUSES }) cause: ResponsibilityCause;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'Null when the system made the change' }) changedByUserId:
    string | null;
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Null for the current period' }) until: string | null;
}

export class ResponsibilityPageDto {
  @ApiProperty({ type: [ResponsibilityPeriodDto] }) items: ResponsibilityPeriodDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class ResponsibilityResponseDto {
  @ApiProperty({
    type: RestitutionClaimResponseDto,
    nullable: true,
    description: 'Null when the move took the claim out of the caller\u2019s sight',
  })
  claim: RestitutionClaimResponseDto | null;
  @ApiProperty({ type: [ResponsibilityPeriodDto], description: 'Who was responsible when, oldest first' })
  history: ResponsibilityPeriodDto[];
}

export class CaseDeadlineDto extends OpenDeadlineDto {
  @ApiProperty({ format: 'uuid' }) claimId: string;
}

export class RestitutionSummaryDto {
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty() claims: number;
  @ApiProperty({ type: [MoneyDto] }) claimed: MoneyJson[];
  @ApiProperty({ type: [MoneyDto] }) awarded: MoneyJson[];
  @ApiProperty({ type: [MoneyDto] }) paid: MoneyJson[];
  @ApiProperty({
    type: [MoneyDto],
    description: 'Sum of each claim\u2019s outstanding (an overpaid claim does not hide what another still owes)',
  })
  outstanding: MoneyJson[];
  @ApiProperty({ type: [MoneyDto] }) overpaidBy: MoneyJson[];
  @ApiProperty({ type: [MoneyDto] }) unawardedPaid: MoneyJson[];
  @ApiProperty({ type: [CaseDeadlineDto], description: 'Open deadlines of all claims, soonest first' }) openDeadlines: CaseDeadlineDto[];
}
