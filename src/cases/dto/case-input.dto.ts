import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { nullableEnum } from '../../common/http/api-schema';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsCountry } from '../../common/validation/is-country';
import { IsDateOnly } from '../../common/validation/is-date-only';
import { IsLanguage } from '../../common/validation/is-language';
import {
  CLOSURE_REASONS,
  ClosureReason,
  COUNTRY_CODES,
  DETENTION_STATUSES,
  DetentionStatus,
  ERASURE_REASONS,
  ErasureReason,
  EXPLOITATION_TYPES,
  ExploitationType,
  GENDERS,
  Gender,
  IDENTITY_DOCUMENT_TYPES,
  IdentityDocumentType,
  IMMIGRATION_STATUSES,
  ImmigrationStatus,
  LEGAL_ROLES,
  LegalRole,
  MEANS_OF_CONTROL,
  MeansOfControl,
  NON_PUNISHMENT_ASSESSMENTS,
  NonPunishmentAssessment,
  OPEN_CASE_STATUSES,
  OpenCaseStatus,
  RECRUITMENT_METHODS,
  RECRUITMENT_PLATFORMS,
  RecruitmentMethod,
  RecruitmentPlatform,
  RISK_LEVELS,
  RiskLevel,
  TRAFFICKING_STATUSES,
  TraffickingStatus,
} from '../../common/vocabulary';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const DOB_MIN = '1900-01-01';

export class IdentityDocumentDto {
  @ApiProperty({ enum: IDENTITY_DOCUMENT_TYPES, example: 'passport' }) @IsIn(IDENTITY_DOCUMENT_TYPES) type: IdentityDocumentType;
  @ApiProperty({ example: 'MA1234567', maxLength: 64, description: 'Encrypted at rest; a keyed hash of it finds duplicates' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  number: string;
  @ApiProperty({ example: 'MM', description: 'Issuing country, ISO 3166-1 alpha-2', enum: COUNTRY_CODES }) @IsCountry() country: string;
}

/**
 * The person. givenName, familyName, dateOfBirth, identityDocuments, phone, email and currentLocation are identity:
 * stored only as ciphertext, returned only by GET /cases/{id} (and audited there). null clears a field on PATCH.
 */
export class PersonInputDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Aye', maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  givenName?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Mya', maxLength: 200 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  familyName?: string | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    example: '2001-04-12',
    format: 'date',
    description: 'Not in the future; derives `minor`',
  })
  @IsOptional()
  @IsDateOnly({ notFuture: true, min: DOB_MIN })
  dateOfBirth?: string | null;
  @ApiPropertyOptional(nullableEnum(GENDERS, { example: 'feminine' })) @IsOptional() @IsIn(GENDERS) gender?: Gender | null;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', minLength: 2, maxLength: 2, pattern: '^[A-Z]{2}$' },
    maxItems: 5,
    nullable: true,
    example: ['MM'],
    description: 'ISO 3166-1 alpha-2',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @ArrayUnique()
  @IsCountry({ each: true })
  citizenship?: string[] | null;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'string', minLength: 2, maxLength: 3, pattern: '^[a-z]{2,3}$' },
    maxItems: 10,
    nullable: true,
    example: ['mya'],
    description: 'ISO 639-3 (or 639-2/B) codes',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ArrayUnique()
  @IsLanguage({ each: true })
  languages?: string[] | null;
  @ApiPropertyOptional({ maxItems: 10, type: [IdentityDocumentDto], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(10)
  @ValidateNested({ each: true })
  @Type(() => IdentityDocumentDto)
  identityDocuments?: IdentityDocumentDto[] | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: '+66 81 000 0000', maxLength: 40 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(3)
  @MaxLength(40)
  phone?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'email', maxLength: 254 })
  @IsOptional()
  @Transform(trim)
  @IsEmail()
  @MaxLength(254)
  email?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Mercy Shelter, Bangkok', maxLength: 500 })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(500)
  currentLocation?: string | null;
}

export class ProtectionInputDto {
  @ApiPropertyOptional(nullableEnum(RISK_LEVELS, { example: 'high' })) @IsOptional() @IsIn(RISK_LEVELS) riskLevel?: RiskLevel | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'date',
    description: 'When the risk was assessed; defaults to today when riskLevel changes',
  })
  @IsOptional()
  @IsDateOnly({ notFuture: true, min: '2000-01-01' })
  riskAssessedAt?: string | null;
  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: 'Only the assigned caseworker and the supervisors see a danger-flagged case',
  })
  @IsOptional()
  @IsBoolean()
  dangerFlag?: boolean | null;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'date' })
  @IsOptional()
  @IsDateOnly({ min: '2000-01-01' })
  reflectionPeriodStart?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'date' })
  @IsOptional()
  @IsDateOnly({ min: '2000-01-01' })
  reflectionPeriodEnd?: string | null;
  @ApiPropertyOptional(nullableEnum(IMMIGRATION_STATUSES))
  @IsOptional()
  @IsIn(IMMIGRATION_STATUSES)
  immigrationStatus?: ImmigrationStatus | null;
  @ApiPropertyOptional(nullableEnum(DETENTION_STATUSES)) @IsOptional() @IsIn(DETENTION_STATUSES) detentionStatus?: DetentionStatus | null;
  @ApiPropertyOptional(nullableEnum(NON_PUNISHMENT_ASSESSMENTS))
  @IsOptional()
  @IsIn(NON_PUNISHMENT_ASSESSMENTS)
  nonPunishmentAssessment?: NonPunishmentAssessment | null;
  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'The victim objects to their home state being notified' })
  @IsOptional()
  @IsBoolean()
  objectsToHomeStateNotification?: boolean | null;
}

export class LegalProceedingDto {
  @ApiProperty({ minLength: 2, maxLength: 2, example: 'TH', description: 'ISO 3166-1 alpha-2' }) @IsCountry() jurisdiction: string;
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Or.1234/2569', maxLength: 64, description: "The court's case number" })
  @IsOptional()
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  caseNumber?: string | null;
  @ApiProperty({ enum: LEGAL_ROLES, example: 'witness' }) @IsIn(LEGAL_ROLES) role: LegalRole;
  @ApiPropertyOptional({ type: String, nullable: true, format: 'date' })
  @IsOptional()
  @IsDateOnly({ min: '2000-01-01' })
  nextHearing?: string | null;
}

/**
 * POST /cases. The server sets id, reference, status (active), version, ownerOrganisationId (the caller's), minor
 * (derived) and the assignee (the creator): a client sending any of them gets 400. A null is taken as absent here, except
 * in person and protection, which are never null (a null there would read as "clear it all" and change nothing).
 */
export class CreateCaseDto {
  @ApiPropertyOptional({ type: PersonInputDto })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => PersonInputDto)
  person?: PersonInputDto | null;
  @ApiPropertyOptional(nullableEnum(TRAFFICKING_STATUSES, { example: 'actual', description: 'Decided by the caller’s organisation' }))
  @IsOptional()
  @IsIn(TRAFFICKING_STATUSES)
  traffickingStatus?: TraffickingStatus | null;
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    format: 'date',
    description: 'When the trafficking status was decided; defaults to today',
  })
  @IsOptional()
  @IsDateOnly({ notFuture: true, min: '2000-01-01' })
  traffickingStatusDecidedAt?: string | null;
  @ApiPropertyOptional({ maxItems: 12, enum: EXPLOITATION_TYPES, isArray: true, nullable: true, example: ['forced_criminality'] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(EXPLOITATION_TYPES, { each: true })
  exploitationTypes?: ExploitationType[] | null;
  @ApiPropertyOptional({ maxItems: 17, enum: MEANS_OF_CONTROL, isArray: true, nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MEANS_OF_CONTROL.length)
  @ArrayUnique()
  @IsIn(MEANS_OF_CONTROL, { each: true })
  meansOfControl?: MeansOfControl[] | null;
  @ApiPropertyOptional({ maxItems: 12, enum: RECRUITMENT_METHODS, isArray: true, nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RECRUITMENT_METHODS.length)
  @ArrayUnique()
  @IsIn(RECRUITMENT_METHODS, { each: true })
  recruitmentMethods?: RecruitmentMethod[] | null;
  @ApiPropertyOptional({ maxItems: 13, enum: RECRUITMENT_PLATFORMS, isArray: true, nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(RECRUITMENT_PLATFORMS.length)
  @ArrayUnique()
  @IsIn(RECRUITMENT_PLATFORMS, { each: true })
  recruitmentPlatforms?: RecruitmentPlatform[] | null;
  @ApiPropertyOptional({ minLength: 2, maxLength: 2, type: String, nullable: true, example: 'MM' })
  @IsOptional()
  @IsCountry()
  countryOfRecruitment?: string | null;
  @ApiPropertyOptional({ minLength: 2, maxLength: 2, type: String, nullable: true, example: 'KH' })
  @IsOptional()
  @IsCountry()
  countryOfExploitation?: string | null;
  @ApiPropertyOptional({ type: Number, nullable: true, example: 22, minimum: 0, maximum: 120 })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(120)
  ageWhenTrafficked?: number | null;
  @ApiPropertyOptional({ type: ProtectionInputDto })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ProtectionInputDto)
  protection?: ProtectionInputDto | null;
  @ApiPropertyOptional({ maxItems: 20, type: [LegalProceedingDto], nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => LegalProceedingDto)
  legalProceedings?: LegalProceedingDto[] | null;
}

/** PATCH /cases/{id} (with If-Match): only the fields sent change; null clears a field (not person or protection as a whole); arrays are replaced whole. */
export class UpdateCaseDto extends CreateCaseDto {
  @ApiPropertyOptional({ enum: OPEN_CASE_STATUSES, description: 'Closing goes through POST /cases/{id}/close' })
  // Unlike the fields above, a status cannot be cleared: null is refused here (it reached the NOT NULL column as a 500).
  @ValidateIf((_o, v) => v !== undefined)
  @IsIn(OPEN_CASE_STATUSES)
  status?: OpenCaseStatus;
}

export class CloseCaseDto {
  @ApiProperty({
    enum: CLOSURE_REASONS,
    example: 'services_completed',
    description: 'referred_to_other_organisation and transferred_jurisdiction close as closed_referred',
  })
  @IsIn(CLOSURE_REASONS)
  reason: ClosureReason;
}

export class AssignCaseDto {
  @ApiProperty({ format: 'uuid', description: 'A caseworker or supervisor of the case’s organisation' }) @IsUUID() caseworkerId: string;
}

export class EraseIdentityDto {
  @ApiProperty({ enum: ERASURE_REASONS, example: 'data_subject_request' }) @IsIn(ERASURE_REASONS) reason: ErasureReason;
}

export class BreakGlassDto {
  @ApiProperty({
    example: 'Danger to life reported by the shelter at night; the assigned caseworker cannot be reached',
    minLength: 10,
    maxLength: 1000,
    description: 'Why you must open this case now. Stored encrypted; never in the audit entry.',
  })
  @Transform(trim)
  @IsString()
  @MinLength(10)
  @MaxLength(1000)
  reason: string;
}

export class RestrictCaseDto {
  @ApiProperty({
    minLength: 3,
    maxLength: 2000,
    example: 'The person asked that nothing more be shared while their complaint is examined',
    description:
      'Why the person restricts the use of their case, in their words. Stored sealed under the case key; never in the audit log.',
  })
  @Transform(trim)
  @IsString()
  @MinLength(3)
  @MaxLength(2000)
  reason: string;
}
