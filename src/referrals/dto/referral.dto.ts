import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { nullableEnum } from '../../common/http/api-schema';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import { IsDateTime } from '../../common/validation/is-date-time';
import {
  CONSENT_PURPOSES,
  ConsentPurpose,
  DATA_CATEGORIES,
  DataCategory,
  DELIVERY_FAILURE_REASONS,
  DeliveryFailureReason,
  MILESTONE_STATES,
  MilestoneState,
  REFERRAL_ACTOR_KINDS,
  REFERRAL_DIRECTIONS,
  REFERRAL_EVENT_KINDS,
  REFERRAL_MILESTONES,
  REFERRAL_STATUSES,
  ReferralActorKind,
  ReferralDirection,
  ReferralEventKind,
  ReferralMilestone,
  ReferralStatus,
  CLAIM_TRANSFER_MODES,
  ClaimTransferMode,
} from '../../common/vocabulary';

const TEXT_MAX = 2000;

export class CreateReferralDto {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  caseId: string;

  @ApiProperty({ format: 'uuid', description: 'A local organisation, or a remote one reached through a partner deployment' })
  @IsUUID()
  receivingOrganisationId: string;

  @ApiProperty({ enum: CONSENT_PURPOSES, example: 'cross_border_referral' })
  @IsIn(CONSENT_PURPOSES)
  purpose: ConsentPurpose;

  @ApiProperty({ maxItems: 8, enum: DATA_CATEGORIES, isArray: true, example: ['identity', 'exploitation'], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DATA_CATEGORIES.length)
  @ArrayUnique()
  @IsIn(DATA_CATEGORIES, { each: true })
  dataCategories: DataCategory[];

  @ApiProperty({ example: 'Return to Myanmar; family located', maxLength: TEXT_MAX })
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  reason: string;

  @ApiPropertyOptional({ default: false, description: 'On acceptance the receiving organisation becomes the owner of the case' })
  @IsOptionalNotNull()
  @IsBoolean()
  transferOwnership?: boolean;

  @ApiPropertyOptional({
    enum: CLAIM_TRANSFER_MODES,
    default: 'stay_with_original',
    description:
      "With transferOwnership: the case's restitution claims move to the receiver, or stay with the sender who keeps pursuing them " +
      "while the receiver is recorded as the survivor's contact for payout",
  })
  @IsOptionalNotNull()
  @IsIn(CLAIM_TRANSFER_MODES)
  claimsOnTransfer?: ClaimTransferMode;
}

/** submit, approve, accept, start, complete: `{}` or `{ note }`; reject and cancel: `{ reason }` (required there). */
export class ReferralActionDto {
  @ApiPropertyOptional({ maxLength: TEXT_MAX })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  note?: string;

  @ApiPropertyOptional({ maxLength: TEXT_MAX, description: 'Required for reject and cancel' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(TEXT_MAX)
  reason?: string;
}

export class RecordMilestoneDto {
  @ApiPropertyOptional({
    format: 'date-time',
    maxLength: 35,
    example: '2026-10-02T09:00:00+07:00',
    description: 'When it happened; default now. Not in the future.',
  })
  @IsOptionalNotNull()
  @IsDateTime()
  occurredAt?: string;

  @ApiPropertyOptional({ maxLength: TEXT_MAX })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  note?: string;

  @ApiPropertyOptional({ enum: [true], description: 'Only home_state_notified may be skipped, with skipReason' })
  @IsOptionalNotNull()
  @Equals(true)
  skipped?: true;

  @ApiPropertyOptional({ maxLength: TEXT_MAX })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(1)
  @MaxLength(TEXT_MAX)
  skipReason?: string;
}

export class ListReferralsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    enum: REFERRAL_DIRECTIONS,
    description: 'incoming: the caller\u2019s organisation receives; outgoing: it sends. Default both.',
  })
  @IsOptional()
  @IsIn(REFERRAL_DIRECTIONS)
  direction?: ReferralDirection;

  @ApiPropertyOptional({ enum: REFERRAL_STATUSES })
  @IsOptional()
  @IsIn(REFERRAL_STATUSES)
  status?: ReferralStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID()
  caseId?: string;
}

export class MilestoneViewDto {
  @ApiProperty({ enum: REFERRAL_MILESTONES }) milestone: ReferralMilestone;
  @ApiProperty({ enum: MILESTONE_STATES }) state: MilestoneState;
  @ApiProperty({ enum: ['sender', 'receiver'] }) recordedBy: 'sender' | 'receiver';
  @ApiProperty({ format: 'date-time' }) dueAt: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) occurredAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) recordedAt: string | null;
  @ApiProperty({ maxLength: 2000, type: String, nullable: true }) note: string | null;
  @ApiProperty({ maxLength: 2000, type: String, nullable: true }) skipReason: string | null;
}

export class ReferralResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({
    format: 'uuid',
    type: String,
    nullable: true,
    description: 'Null on a referral received from a partner deployment (the case stays there)',
  })
  caseId: string | null;
  @ApiProperty({ format: 'uuid' }) sendingOrganisationId: string;
  @ApiProperty({ format: 'uuid' }) receivingOrganisationId: string;
  @ApiProperty({ format: 'uuid', type: String, nullable: true, description: 'Null on a referral received from a partner deployment' })
  responsibleUserId: string | null;
  @ApiProperty({ enum: CONSENT_PURPOSES }) purpose: ConsentPurpose;
  @ApiProperty({ maxItems: 8, enum: DATA_CATEGORIES, isArray: true }) dataCategories: DataCategory[];
  @ApiProperty({ maxLength: 2000, type: String, nullable: true, description: 'Null for the receiver once the referral is recalled' })
  reason: string | null;
  @ApiProperty() crossBorder: boolean;
  @ApiProperty() transferOwnership: boolean;
  @ApiProperty({ enum: CLAIM_TRANSFER_MODES }) claimsOnTransfer: ClaimTransferMode;
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: ReferralStatus;
  @ApiProperty() version: number;
  @ApiProperty({
    maxItems: 12,
    enum: REFERRAL_STATUSES,
    isArray: true,
    description: 'Statuses the table allows next (who may is checked on the action)',
  })
  nextStatuses: ReferralStatus[];
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) sentAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) receivedAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acceptanceDueAt: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acceptedAt: string | null;
  @ApiProperty(nullableEnum(DELIVERY_FAILURE_REASONS)) failureReason: DeliveryFailureReason | null;
  @ApiProperty({ maxItems: 6, type: [MilestoneViewDto], description: 'Accepted cross-border referrals only; empty otherwise' })
  milestones: MilestoneViewDto[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class ReferralPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [ReferralResponseDto] }) items: ReferralResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class ReferralHistoryEntryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: REFERRAL_EVENT_KINDS }) kind: ReferralEventKind;
  @ApiProperty(nullableEnum(REFERRAL_STATUSES)) from: ReferralStatus | null;
  @ApiProperty(nullableEnum(REFERRAL_STATUSES)) to: ReferralStatus | null;
  @ApiProperty(nullableEnum(REFERRAL_MILESTONES)) milestone: ReferralMilestone | null;
  @ApiProperty() skipped: boolean;
  @ApiProperty({ enum: REFERRAL_ACTOR_KINDS }) actorKind: ReferralActorKind;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) userId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) organisationId: string | null;
  @ApiProperty({ maxLength: 2000, type: String, nullable: true }) reason: string | null;
  @ApiProperty({ maxLength: 2000, type: String, nullable: true }) note: string | null;
  @ApiProperty({ type: Object, nullable: true, description: 'Codes and ids only' }) details: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
}

export class ReferredCaseDto {
  @ApiProperty({ format: 'uuid' }) referralId: string;
  @ApiProperty({ example: 'TH-2026-000042', maxLength: 24 }) caseReference: string;
  @ApiProperty({
    maxItems: 8,
    enum: DATA_CATEGORIES,
    isArray: true,
    description: 'The categories consent permits for this recipient and purpose now',
  })
  dataCategories: DataCategory[];
  @ApiProperty({ type: Object, description: 'One object per permitted category (referral-packet.ts maps case fields to categories)' })
  data: Record<string, Record<string, unknown>>;
}

export class ReferralHistoryPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [ReferralHistoryEntryDto] }) items: ReferralHistoryEntryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}
