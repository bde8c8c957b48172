import { MAX_PAGE_LIMIT } from '../../common/http/pagination';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { nullableEnum, nullableObject } from '../../common/http/api-schema';
import {
  CASE_STATUSES,
  CaseStatus,
  CLOSURE_REASONS,
  ClosureReason,
  DETENTION_STATUSES,
  DetentionStatus,
  EXPLOITATION_TYPES,
  ExploitationType,
  GENDERS,
  Gender,
  IMMIGRATION_STATUSES,
  ImmigrationStatus,
  MEANS_OF_CONTROL,
  MeansOfControl,
  NON_PUNISHMENT_ASSESSMENTS,
  NonPunishmentAssessment,
  RECRUITMENT_METHODS,
  RECRUITMENT_PLATFORMS,
  RecruitmentMethod,
  RecruitmentPlatform,
  RISK_LEVELS,
  RiskLevel,
  ROLES,
  TRAFFICKING_STATUSES,
  TraffickingStatus,
} from '../../common/vocabulary';
import { IdentityDocumentDto, LegalProceedingDto } from './case-input.dto';

export class IdentityDto {
  @ApiProperty({ maxLength: 200, nullable: true, type: String }) givenName: string | null;
  @ApiProperty({ maxLength: 200, nullable: true, type: String }) familyName: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) dateOfBirth: string | null;
  @ApiProperty({ maxItems: 10, type: [IdentityDocumentDto] }) identityDocuments: IdentityDocumentDto[];
  @ApiProperty({ maxLength: 40, nullable: true, type: String }) phone: string | null;
  @ApiProperty({ maxLength: 254, nullable: true, type: String }) email: string | null;
  @ApiProperty({ maxLength: 500, nullable: true, type: String }) currentLocation: string | null;
}

export interface ErasedIdentity {
  erased: true;
  erasedAt: string;
}
export interface WithheldIdentity {
  withheld: 'danger_flag';
}
export type IdentityView = IdentityDto | ErasedIdentity | WithheldIdentity;

export class PersonDto {
  @ApiPropertyOptional({
    description:
      'Only in GET /cases/{id} (audited as case.read_identity) and in the create response. { erased: true, erasedAt } after ' +
      'erasure; { withheld: "danger_flag" } for a supervisor who is not the assignee of a danger-flagged case and holds no break-glass grant.',
    oneOf: [
      { $ref: getSchemaPath(IdentityDto) },
      // Each branch names what it requires and nothing else, so exactly one matches any answer.
      {
        type: 'object',
        required: ['erased', 'erasedAt'],
        additionalProperties: false,
        properties: { erased: { type: 'boolean', enum: [true] }, erasedAt: { type: 'string', format: 'date-time' } },
      },
      {
        type: 'object',
        required: ['withheld'],
        additionalProperties: false,
        properties: { withheld: { type: 'string', enum: ['danger_flag'] } },
      },
    ],
  })
  identity?: IdentityView;
  @ApiProperty(nullableEnum(GENDERS)) gender: Gender | null;
  @ApiProperty({
    type: 'array',
    items: { type: 'string', minLength: 2, maxLength: 2, pattern: '^[A-Z]{2}$' },
    maxItems: 5,
    example: ['MM'],
  })
  citizenship: string[];
  @ApiProperty({
    type: 'array',
    items: { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z]{2,3}$' },
    maxItems: 10,
    example: ['mya'],
  })
  languages: string[];
}

export class ProtectionDto {
  @ApiProperty(nullableEnum(RISK_LEVELS)) riskLevel: RiskLevel | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) riskAssessedAt: string | null;
  @ApiProperty() dangerFlag: boolean;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) reflectionPeriodStart: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) reflectionPeriodEnd: string | null;
  @ApiProperty(nullableEnum(IMMIGRATION_STATUSES)) immigrationStatus: ImmigrationStatus | null;
  @ApiProperty(nullableEnum(DETENTION_STATUSES)) detentionStatus: DetentionStatus | null;
  @ApiProperty(nullableEnum(NON_PUNISHMENT_ASSESSMENTS)) nonPunishmentAssessment: NonPunishmentAssessment | null;
  @ApiProperty() objectsToHomeStateNotification: boolean;
}

export class ClosureDto {
  @ApiProperty({ enum: CLOSURE_REASONS }) reason: ClosureReason;
  @ApiProperty({ format: 'date-time' }) closedAt: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) closedBy: string | null;
}

@ApiExtraModels(ClosureDto)
export class CaseResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ maxLength: 24, example: 'TH-2026-000123' }) reference: string;
  @ApiProperty({ maxLength: 24, example: 'TH-2026-000123', description: 'What lists show for a case: the reference, never a name' })
  displayLabel: string;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty({ example: 1 }) version: number;
  @ApiProperty({ format: 'uuid' }) ownerOrganisationId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assignedCaseworkerId: string | null;
  @ApiProperty({ type: PersonDto }) person: PersonDto;
  @ApiProperty({
    nullable: true,
    type: Boolean,
    description: 'Derived: under 18 by date of birth (at the last change), else by age when trafficked',
  })
  minor: boolean | null;
  @ApiProperty(nullableEnum(TRAFFICKING_STATUSES)) traffickingStatus: TraffickingStatus | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) traffickingStatusDecidedByOrganisationId: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date' }) traffickingStatusDecidedAt: string | null;
  @ApiProperty({ maxItems: 12, enum: EXPLOITATION_TYPES, isArray: true }) exploitationTypes: ExploitationType[];
  @ApiProperty({ maxItems: 17, enum: MEANS_OF_CONTROL, isArray: true }) meansOfControl: MeansOfControl[];
  @ApiProperty({ maxItems: 12, enum: RECRUITMENT_METHODS, isArray: true }) recruitmentMethods: RecruitmentMethod[];
  @ApiProperty({ maxItems: 13, enum: RECRUITMENT_PLATFORMS, isArray: true }) recruitmentPlatforms: RecruitmentPlatform[];
  @ApiProperty({ minLength: 2, maxLength: 2, nullable: true, type: String }) countryOfRecruitment: string | null;
  @ApiProperty({ minLength: 2, maxLength: 2, nullable: true, type: String }) countryOfExploitation: string | null;
  @ApiProperty({ nullable: true, type: Number }) ageWhenTrafficked: number | null;
  @ApiProperty({ type: ProtectionDto }) protection: ProtectionDto;
  @ApiProperty({ maxItems: 20, type: [LegalProceedingDto] }) legalProceedings: LegalProceedingDto[];
  @ApiProperty(nullableObject(ClosureDto)) closure: ClosureDto | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CreatedCaseResponseDto extends CaseResponseDto {
  @ApiProperty({
    type: 'array',
    items: { type: 'string', maxLength: 24 },
    maxItems: 10000,
    example: [],
    description:
      "References of the caller's own organisation's cases that hold the same identity document (keyed hash; nothing is decrypted)",
  })
  possibleDuplicates: string[];
}

export class CaseSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'TH-2026-000042', maxLength: 24 }) reference: string;
  @ApiProperty({ example: 'TH-2026-000042', maxLength: 24 }) displayLabel: string;
  @ApiProperty({ enum: CASE_STATUSES }) status: CaseStatus;
  @ApiProperty() version: number;
  @ApiProperty({ format: 'uuid' }) ownerOrganisationId: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) assignedCaseworkerId: string | null;
  @ApiProperty(nullableEnum(RISK_LEVELS)) riskLevel: RiskLevel | null;
  @ApiProperty() dangerFlag: boolean;
  @ApiProperty(nullableEnum(TRAFFICKING_STATUSES)) traffickingStatus: TraffickingStatus | null;
  @ApiProperty({ maxItems: 12, enum: EXPLOITATION_TYPES, isArray: true }) exploitationTypes: ExploitationType[];
  @ApiProperty({ nullable: true, type: Boolean }) minor: boolean | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
}

export class CasePageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [CaseSummaryDto] }) items: CaseSummaryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class AccessLogEntryDto {
  @ApiProperty({ example: '1042', maxLength: 20, description: 'Audit event sequence' }) id: string;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) userId: string | null;
  @ApiProperty(nullableEnum(ROLES)) role: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) organisationId: string | null;
  @ApiProperty({ maxLength: 60, example: 'case.read_identity' }) action: string;
  @ApiProperty({ maxLength: 40, nullable: true, type: String }) purpose: string | null;
}

export class AccessLogPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [AccessLogEntryDto] }) items: AccessLogEntryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class BreakGlassGrantDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ format: 'date-time' }) grantedAt: string;
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
  @ApiPropertyOptional({
    maxLength: 1000,
    nullable: true,
    type: String,
    description: 'In the list supervisors review (null once the identity is erased); not repeated in the answer to the grant itself',
  })
  reason?: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) reviewedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) reviewedBy: string | null;
}

export class CaseRestrictionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ description: 'True while the restriction stands (not lifted)', example: true }) active: boolean;
  @ApiProperty({
    maxLength: 2000,
    nullable: true,
    type: String,
    description: 'The person’s reason, opened for the owning organisation; null once the identity is erased (the case key is gone)',
    example: 'The person asked that nothing more be shared while their complaint is examined',
  })
  reason: string | null;
  @ApiProperty({ format: 'uuid' }) restrictedBy: string;
  @ApiProperty({ format: 'date-time' }) restrictedAt: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) liftedAt: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) liftedBy: string | null;
}

export class CaseCorrectionDto {
  @ApiProperty({ format: 'uuid', maxLength: 36 }) id: string;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 1, maximum: 2147483647, example: 3 }) versionBefore: number;
  @ApiProperty({ type: 'integer', format: 'int32', minimum: 2, maximum: 2147483647, example: 4 }) versionAfter: number;
  @ApiProperty({
    type: [String],
    maxItems: 64,
    items: { type: 'string', maxLength: 64, pattern: '^[a-zA-Z]+(\\.[a-zA-Z]+)?$' },
    description: 'The fields the correction changed (names, as the PATCH named them)',
    example: ['person.familyName', 'protection.riskLevel'],
  })
  fields: string[];
  @ApiProperty({ format: 'date-time', maxLength: 40 }) correctedAt: string;
  @ApiProperty({ format: 'uuid', maxLength: 36 }) correctedBy: string;
  @ApiProperty({ enum: ROLES, description: 'The role of the one who corrected it' }) correctedByRole: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    nullable: true,
    description:
      'The values the fields held before, by field name, opened for the owning organisation; old identity values are left out ' +
      'where the identity is withheld (danger flag); null once the identity is erased (the case key is gone)',
    example: { 'person.familyName': 'Old spelling', 'protection.riskLevel': 'medium' },
  })
  oldValues: Record<string, unknown> | null;
}
