import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CaseCorrectionDto, CaseResponseDto, CaseRestrictionDto } from '../../cases/dto/case-response.dto';
import { CONSENT_PURPOSES, DATA_CATEGORIES, ORGANISATION_NODES, REFERRAL_STATUSES } from '../../common/vocabulary';
import type { ConsentPurpose, DataCategory, OrganisationNode, ReferralStatus } from '../../common/vocabulary';
import { UI_LANGUAGES, UiLanguage } from '../../common/vocabulary/labels';
import { ConsentResponseDto } from '../../consent/dto/consent.dto';
import { RESPONSIBILITY_CAUSES, ResponsibilityCause } from '../../common/vocabulary/restitution';
import { CLAIM_RECIPIENT_ROLES, ClaimRecipientRole } from '../../restitution/claim-recipients';
import { RestitutionClaimResponseDto } from '../../restitution/dto/restitution-response.dto';

export const REPORT_FORMATS = ['json', 'text'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export class SubjectAccessQueryDto {
  @ApiPropertyOptional({ enum: REPORT_FORMATS, description: 'text: a plain-text rendering to hand over (also `Accept: text/plain`)' })
  @IsOptional()
  @IsIn(REPORT_FORMATS)
  format?: ReportFormat;

  @ApiPropertyOptional({
    enum: UI_LANGUAGES,
    description: 'Language of the text rendering; default: the person’s first language, if labelled',
  })
  @IsOptional()
  @IsIn(UI_LANGUAGES)
  lang?: UiLanguage;
}

export class RecipientOrganisationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ maxLength: 200, example: 'Yangon Reception Centre' }) name: string;
  @ApiProperty({ minLength: 2, maxLength: 2, example: 'MM' }) country: string;
  @ApiProperty({ enum: ORGANISATION_NODES }) node: OrganisationNode;
}

export class RecipientDeploymentDto {
  @ApiProperty({ format: 'uuid' }) partnerId: string;
  @ApiProperty({ maxLength: 100, example: 'lintas-mm' }) nodeId: string;
  @ApiProperty({ maxLength: 200, example: 'Lintas Myanmar' }) name: string;
}

export class RecipientNoticeDto {
  @ApiProperty({
    enum: [
      'restriction_notice',
      'restriction_notice_acknowledged',
      'recall_acknowledged',
      'erasure_request',
      'erasure_acknowledged',
      'rectification_notice',
      'rectification_notice_acknowledged',
    ],
  })
  action: string;
  @ApiProperty({ format: 'date-time' }) at: string;
  @ApiProperty({ maxLength: 40, nullable: true, type: String, example: 'restricted' }) change: string | null;
  @ApiPropertyOptional({
    format: 'uuid',
    maxLength: 36,
    example: '6f1d2c3b-4a5e-4f60-8a7b-9c0d1e2f3a4b',
    description: 'A rectification notice or its acknowledgement: the correction (see the access report’s corrections)',
  })
  correctionId?: string;
}

export class RecipientReadsDto {
  @ApiProperty({ example: 2 }) count: number;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) lastAt: string | null;
}

/** An organisation as the claim recipients list names it (every string bounded). */
export class ClaimRecipientOrganisationDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) id: string;
  @ApiProperty({ maxLength: 200, example: 'Chiang Mai Legal Aid' }) name: string;
  @ApiProperty({ maxLength: 2, pattern: '^[A-Z]{2}$', example: 'TH' }) country: string;
  @ApiProperty({ enum: ORGANISATION_NODES }) node: OrganisationNode;
}

export class RecipientDto {
  @ApiProperty({ format: 'uuid' }) referralId: string;
  @ApiProperty({ type: RecipientOrganisationDto }) organisation: RecipientOrganisationDto;
  @ApiProperty({ type: RecipientDeploymentDto, nullable: true, description: 'The partner deployment, for an organisation on another one' })
  deployment: RecipientDeploymentDto | null;
  @ApiProperty({ enum: CONSENT_PURPOSES }) purpose: ConsentPurpose;
  @ApiProperty({ maxItems: 8, enum: DATA_CATEGORIES, isArray: true, example: ['identity', 'exploitation'] }) dataCategories: DataCategory[];
  @ApiProperty({
    type: 'array',
    items: { type: 'string', format: 'uuid', maxLength: 36 },
    maxItems: 10000,
    description: 'The consents the delivery relied on',
  })
  consentIds: string[];
  @ApiProperty({ enum: REFERRAL_STATUSES }) status: ReferralStatus;
  @ApiProperty() transferOwnership: boolean;
  @ApiProperty({ format: 'date-time' }) sentAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) receivedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) acceptedAt: string | null;
  @ApiProperty({ type: RecipientReadsDto }) reads: RecipientReadsDto;
  @ApiProperty({ maxItems: 10000, type: [RecipientNoticeDto] }) notices: RecipientNoticeDto[];
}

export class ClaimRecipientDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'The restitution claim' }) claimId: string;
  @ApiProperty({ type: ClaimRecipientOrganisationDto }) organisation: ClaimRecipientOrganisationDto;
  @ApiProperty({
    enum: CLAIM_RECIPIENT_ROLES,
    description: 'responsible: pursues the claim; survivor_contact: the survivor’s contact for payout',
  })
  role: ClaimRecipientRole;
  @ApiProperty({ enum: RESPONSIBILITY_CAUSES, description: 'Why it got the role' }) cause: ResponsibilityCause;
  @ApiProperty({ enum: ['restitution'], isArray: true, maxItems: 1, example: ['restitution'], description: 'What it reads: the claim' })
  dataCategories: DataCategory[];
  @ApiProperty({ format: 'date-time', maxLength: 30 }) from: string;
  @ApiProperty({ type: String, format: 'date-time', maxLength: 30, nullable: true, description: 'Null while it holds the role' })
  until: string | null;
}

export class RecipientsResponseDto {
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ maxLength: 24, example: 'TH-2026-000123' }) reference: string;
  @ApiProperty({ maxItems: 10000, type: [RecipientDto], description: 'Every organisation a referral of the case reached, oldest first' })
  items: RecipientDto[];
  @ApiProperty({
    type: [ClaimRecipientDto],
    maxItems: 10000,
    description:
      'Every organisation other than the owner that was responsible for a claim of the case, or the survivor’s contact for it, oldest first',
  })
  claimRecipients: ClaimRecipientDto[];
}

export class SubjectAccessReportDto {
  @ApiProperty({ format: 'date-time' }) generatedAt: string;
  @ApiProperty({ enum: UI_LANGUAGES, description: 'The language the text rendering uses' }) language: UiLanguage;
  @ApiProperty({ type: CaseResponseDto, description: 'Everything held on the case, identity opened where the rule allows' })
  case: CaseResponseDto;
  @ApiProperty({
    maxItems: 10000,
    type: [ConsentResponseDto],
    description: 'Every consent, withdrawn ones with their reason, newest first',
  })
  consents: ConsentResponseDto[];
  @ApiProperty({ maxItems: 10000, type: [CaseRestrictionDto] }) restrictions: CaseRestrictionDto[];
  @ApiProperty({
    type: [CaseCorrectionDto],
    maxItems: 100000,
    description: 'Every correction of the case (the fields, when, by which role, the old values), newest first',
  })
  corrections: CaseCorrectionDto[];
  @ApiProperty({ maxItems: 10000, type: [RestitutionClaimResponseDto] }) restitutionClaims: RestitutionClaimResponseDto[];
  @ApiProperty({ maxItems: 10000, type: [RecipientDto] }) recipients: RecipientDto[];
  @ApiProperty({ type: [ClaimRecipientDto], maxItems: 10000, description: 'As in the recipients list' })
  claimRecipients: ClaimRecipientDto[];
}
