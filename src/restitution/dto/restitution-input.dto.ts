import { ApiExtraModels, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { nullableObject } from '../../common/http/api-schema';
import { Transform } from 'class-transformer';
import { IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { IsMoney, MoneyDto } from '../../common/money/money.dto';
import { PageQueryDto } from '../../common/http/pagination';
import { IsCountry } from '../../common/validation/is-country';
import { IsDateOnly } from '../../common/validation/is-date-only';
import {
  CLAIM_STATUSES,
  ClaimStatus,
  COUNTRY_CODES,
  PAYERS,
  PAYMENT_METHODS,
  Payer,
  PaymentMethod,
  RESTITUTION_ROUTES,
  RestitutionRoute,
} from '../../common/vocabulary';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const FREE_TEXT =
  'Free text, sealed under the case\u2019s data key and shown only to the claim\u2019s own organisations. Keep names, documents and places out of it all the same.';

export class CreateRestitutionClaimDto {
  @ApiProperty({ enum: RESTITUTION_ROUTES, example: 'criminal_restitution_order' })
  @IsIn(RESTITUTION_ROUTES)
  route: RestitutionRoute;

  @ApiProperty({
    enum: COUNTRY_CODES,
    example: 'TH',
    description: 'Where the claim is pursued (ISO 3166-1 alpha-2); its deadlines are read in that country\u2019s time zone',
  })
  @IsCountry()
  jurisdiction: string;

  @ApiPropertyOptional({
    example: 'Criminal Court, Bangkok',
    maxLength: 200,
    description: 'The court, fund or authority; needed once the claim is filed',
  })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  forum?: string;

  @ApiPropertyOptional({ example: 'Or.1234/2569', maxLength: 100, description: 'The case number at the forum' })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  forumCaseNumber?: string;

  @ApiProperty({
    type: MoneyDto,
    description: 'The amount claimed; its currency is the claim\u2019s currency for the award and every payment',
  })
  @IsMoney()
  claimed: MoneyDto;

  @ApiPropertyOptional({
    format: 'date',
    example: '2026-09-01',
    description: 'When the claim was filed; a claim with a filing date starts as filed (it then needs a forum), otherwise as preparing',
  })
  @IsOptionalNotNull()
  @IsDateOnly({ notFuture: true })
  filedAt?: string;

  @ApiPropertyOptional({ format: 'date', example: '2026-12-01' }) @IsOptionalNotNull() @IsDateOnly() filingDeadline?: string;
  @ApiPropertyOptional({ format: 'date', example: '2027-01-20' }) @IsOptionalNotNull() @IsDateOnly() appealDeadline?: string;
  @ApiPropertyOptional({ format: 'date', example: '2027-03-31', description: 'When the awarded amount is due' })
  @IsOptionalNotNull()
  @IsDateOnly()
  paymentDueAt?: string;

  @ApiPropertyOptional({ maxLength: 4000, description: FREE_TEXT })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  notes?: string;
}

@ApiExtraModels(MoneyDto)
export class UpdateRestitutionClaimDto {
  @ApiPropertyOptional({
    enum: CLAIM_STATUSES,
    description:
      'A manual move from the transition table; partially_paid and paid follow from the ledger and are refused (409 CLAIM_STATUS_LEDGER_DRIVEN)',
  })
  @IsOptionalNotNull()
  @IsIn(CLAIM_STATUSES)
  status?: ClaimStatus;

  @ApiPropertyOptional({ maxLength: 1000, description: `Required when moving to rejected, unenforceable or withdrawn. ${FREE_TEXT}` })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  reason?: string;

  @ApiPropertyOptional({ enum: RESTITUTION_ROUTES }) @IsOptionalNotNull() @IsIn(RESTITUTION_ROUTES) route?: RestitutionRoute;
  @ApiPropertyOptional({ enum: COUNTRY_CODES }) @IsOptionalNotNull() @IsCountry() jurisdiction?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  forum?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  forumCaseNumber?: string | null;

  @ApiPropertyOptional({ type: MoneyDto, description: 'A corrected claimed amount (same currency once there is an award or a payment)' })
  @IsOptionalNotNull()
  @IsMoney()
  claimed?: MoneyDto;

  @ApiPropertyOptional(nullableObject(MoneyDto, { description: 'The awarded amount, in the claimed currency' }))
  @IsOptional()
  @IsMoney()
  awarded?: MoneyDto | null;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly({ notFuture: true }) filedAt?:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly({ notFuture: true }) awardedAt?:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly() filingDeadline?: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly() appealDeadline?: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly() paymentDueAt?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 4000, description: FREE_TEXT })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  notes?: string | null;
}

const isPayment = (o: RecordPaymentDto) => o.reversesPaymentId === undefined;

/**
 * A payment, or a correction of one. A payment needs amount, paidAt, payer and method. A correction is
 * `{ reversesPaymentId, reason }`: it takes the reversed payment back whole (an amount, if sent, must be that payment's),
 * and copies its payer, method and recipient country.
 */
export class RecordPaymentDto {
  @ApiPropertyOptional({
    type: MoneyDto,
    description: 'Required for a payment; for a correction, if sent, the reversed payment\u2019s amount',
  })
  @ValidateIf((o: RecordPaymentDto) => isPayment(o) || o.amount !== undefined)
  @IsMoney()
  amount?: MoneyDto;

  @ApiPropertyOptional({ format: 'date', example: '2026-11-01', description: 'Required for a payment; a correction defaults to today' })
  @ValidateIf((o: RecordPaymentDto) => isPayment(o) || o.paidAt !== undefined)
  @IsDateOnly({ notFuture: true })
  paidAt?: string;

  @ApiPropertyOptional({ enum: PAYERS, description: 'Required for a payment' })
  @ValidateIf(isPayment)
  @IsIn(PAYERS)
  payer?: Payer;

  @ApiPropertyOptional({ enum: PAYMENT_METHODS, description: 'Required for a payment' })
  @ValidateIf(isPayment)
  @IsIn(PAYMENT_METHODS)
  method?: PaymentMethod;

  @ApiPropertyOptional({ enum: COUNTRY_CODES, description: 'Where the survivor received it (often the home country)' })
  @ValidateIf((o: RecordPaymentDto) => isPayment(o) && o.recipientCountry !== undefined)
  @IsCountry()
  recipientCountry?: string;

  @ApiPropertyOptional({
    maxLength: 100,
    description: 'The payer\u2019s or bank\u2019s transaction reference; never the survivor\u2019s account details',
  })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  reference?: string;

  @ApiPropertyOptional({ format: 'uuid', description: 'Makes this entry a correction that reverses that payment of this claim' })
  @IsOptionalNotNull()
  @IsUUID()
  reversesPaymentId?: string;

  @ApiPropertyOptional({ maxLength: 1000, description: `Required for a correction. ${FREE_TEXT}` })
  @ValidateIf((o: RecordPaymentDto) => !isPayment(o) || o.reason !== undefined)
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  reason?: string;
}

export class MoveResponsibilityDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'The organisation (on this deployment) that will pursue the claim' })
  @IsOptionalNotNull()
  @IsUUID()
  responsibleOrganisationId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The organisation through which the survivor is reached for payout (may be a partner deployment\u2019s); null clears it',
  })
  @IsOptional()
  @IsUUID()
  survivorContactOrganisationId?: string | null;
}

export class ListPaymentsQueryDto extends PageQueryDto {}
export class ListClaimsQueryDto extends PageQueryDto {}

/**
 * A change of a claim's facts made on the copy a partner deployment holds, by the responsible organisation here
 * (docs/restitution.md, "Across borders"): the record's PATCH, without what stays on the record (route, jurisdiction,
 * the claimed amount, notes). The same validation and state machine. The fields are declared here again, not picked
 * from UpdateRestitutionClaimDto, so that this class carries its own validation metadata (test/openapi-bounds).
 */
@ApiExtraModels(MoneyDto)
export class UpdateClaimCopyDto {
  @ApiPropertyOptional({
    enum: CLAIM_STATUSES,
    description:
      'A manual move from the transition table; partially_paid and paid follow from the ledger and are refused (409 CLAIM_STATUS_LEDGER_DRIVEN)',
  })
  @IsOptionalNotNull()
  @IsIn(CLAIM_STATUSES)
  status?: ClaimStatus;

  @ApiPropertyOptional({
    maxLength: 1000,
    description: `Required when moving to rejected, unenforceable or withdrawn; kept sealed on this deployment, never sent. ${FREE_TEXT}`,
  })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(1000)
  reason?: string;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  forum?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 100 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  forumCaseNumber?: string | null;

  @ApiPropertyOptional(nullableObject(MoneyDto, { description: 'The awarded amount, in the claimed currency' }))
  @IsOptional()
  @IsMoney()
  awarded?: MoneyDto | null;

  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly({ notFuture: true }) filedAt?:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly({ notFuture: true }) awardedAt?:
    string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly() filingDeadline?: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly() appealDeadline?: string | null;
  @ApiPropertyOptional({ type: String, format: 'date', nullable: true }) @IsOptional() @IsDateOnly() paymentDueAt?: string | null;
}
