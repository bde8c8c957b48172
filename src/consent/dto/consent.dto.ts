import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  MaxLength,
  MinLength,
  registerDecorator,
  ValidateNested,
  ValidationOptions,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import { isInstantInRange, MAX_YEAR, MIN_YEAR } from '../../common/validation/date-range';
import { IsCountry } from '../../common/validation/is-country';
import { IsLanguage } from '../../common/validation/is-language';
import { DATE_TIME_MAX_LENGTH } from '../../common/validation/is-date-time';
import {
  CONSENT_GIVEN_BY,
  CONSENT_METHODS,
  CONSENT_PURPOSES,
  CONSENT_STATUSES,
  ConsentGivenBy,
  ConsentMethod,
  ConsentPurpose,
  ConsentStatus,
  COUNTRY_CODES,
  DATA_CATEGORIES,
  DataCategory,
  PROVISION_EFFECTS,
  ProvisionEffect,
} from '../../common/vocabulary';
import { parseMoment } from '../consent-dates';

export const MAX_PROVISIONS = 50;

/** A calendar date (YYYY-MM-DD: the whole day, UTC) or a date-time with a zone (2027-06-30T18:00:00+07:00). */
function IsMoment(options?: ValidationOptions) {
  return (object: object, propertyName: string) =>
    registerDecorator({
      name: 'isMoment',
      target: object.constructor,
      propertyName,
      options: {
        message: `${propertyName} must be a date YYYY-MM-DD or a date-time with a time zone, in the years ${MIN_YEAR}–${MAX_YEAR}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value.length <= DATE_TIME_MAX_LENGTH &&
          isInstantInRange(parseMoment(value, 'start')?.getTime() ?? NaN),
      },
    });
}

export class ConsentProvisionDto {
  @ApiProperty({ enum: PROVISION_EFFECTS, example: 'permit', description: 'deny overrides permit' })
  @IsIn(PROVISION_EFFECTS)
  effect: ProvisionEffect;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'One organisation (local or a partner deployment\u2019s). Give this or recipientCountry, not both.',
  })
  @IsOptionalNotNull()
  @IsUUID()
  recipientOrganisationId?: string;

  @ApiPropertyOptional({
    enum: COUNTRY_CODES,
    example: 'MM',
    description: 'Every organisation in this country (ISO 3166-1 alpha-2). Give this or recipientOrganisationId.',
  })
  @IsOptionalNotNull()
  @IsCountry()
  recipientCountry?: string;

  @ApiProperty({ maxItems: 5, enum: CONSENT_PURPOSES, isArray: true, example: ['cross_border_referral'], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CONSENT_PURPOSES.length)
  @ArrayUnique()
  @IsIn(CONSENT_PURPOSES, { each: true })
  purposes: ConsentPurpose[];

  @ApiProperty({ maxItems: 8, enum: DATA_CATEGORIES, isArray: true, example: ['identity', 'exploitation'], minItems: 1 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(DATA_CATEGORIES.length)
  @ArrayUnique()
  @IsIn(DATA_CATEGORIES, { each: true })
  dataCategories: DataCategory[];

  @ApiPropertyOptional({
    maxLength: 35,
    example: '2026-12-01',
    description: 'Start of validity (inclusive). A date means from the start of that day (UTC). Default: when the consent is recorded.',
  })
  @IsOptionalNotNull()
  @IsMoment()
  validFrom?: string;

  @ApiProperty({
    maxLength: 35,
    example: '2027-06-30',
    description: 'End of validity (inclusive), in the future. A date means to the end of that day (UTC).',
  })
  @IsMoment()
  validUntil: string;
}

export class CreateConsentDto {
  @ApiProperty({ enum: CONSENT_GIVEN_BY, example: 'self', description: 'guardian is required when the case is a minor\u2019s' })
  @IsIn(CONSENT_GIVEN_BY)
  givenBy: ConsentGivenBy;

  @ApiProperty({ enum: CONSENT_METHODS, example: 'written' }) @IsIn(CONSENT_METHODS) method: ConsentMethod;

  @ApiProperty({
    minLength: 3,
    maxLength: 3,
    example: 'mya',
    description: 'ISO 639-3 (or 639-2/B) code of the language the consent was given in',
  })
  @IsLanguage()
  language: string;

  @ApiProperty({ example: true }) @IsBoolean() interpreterUsed: boolean;

  @ApiProperty({ type: [ConsentProvisionDto], minItems: 1, maxItems: MAX_PROVISIONS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_PROVISIONS)
  @ValidateNested({ each: true })
  @Type(() => ConsentProvisionDto)
  provisions: ConsentProvisionDto[];
}

export class WithdrawConsentDto {
  @ApiProperty({
    maxLength: 2000,
    description: 'Why the person withdrew. Stored encrypted under the case\u2019s key; never in logs or the audit trail.',
    example: 'Does not want the partner organisation to hold her data any more',
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  reason: string;
}

export class ListConsentsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CONSENT_STATUSES }) @IsOptional() @IsIn(CONSENT_STATUSES) status?: ConsentStatus;
}

export class ConsentProvisionResponseDto {
  @ApiProperty({ description: 'Index in the consent (0-based); decisions cite it' }) index: number;
  @ApiProperty({ enum: PROVISION_EFFECTS }) effect: ProvisionEffect;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) recipientOrganisationId: string | null;
  @ApiProperty({ minLength: 2, maxLength: 2, nullable: true, type: String, example: 'MM' }) recipientCountry: string | null;
  @ApiProperty({ maxItems: 5, enum: CONSENT_PURPOSES, isArray: true }) purposes: ConsentPurpose[];
  @ApiProperty({ maxItems: 8, enum: DATA_CATEGORIES, isArray: true }) dataCategories: DataCategory[];
  @ApiProperty({ format: 'date-time' }) validFrom: string;
  @ApiProperty({ format: 'date-time' }) validUntil: string;
}

export class ConsentResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) caseId: string;
  @ApiProperty({ enum: CONSENT_STATUSES }) status: ConsentStatus;
  @ApiProperty({ enum: CONSENT_GIVEN_BY }) givenBy: ConsentGivenBy;
  @ApiProperty({ enum: CONSENT_METHODS }) method: ConsentMethod;
  @ApiProperty({ minLength: 3, maxLength: 3, example: 'mya' }) language: string;
  @ApiProperty() interpreterUsed: boolean;
  @ApiProperty({ maxItems: 50, type: [ConsentProvisionResponseDto] }) provisions: ConsentProvisionResponseDto[];
  @ApiProperty({ format: 'uuid' }) recordedByUserId: string;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) withdrawnAt: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) withdrawnByUserId: string | null;
  @ApiPropertyOptional({
    maxLength: 2000,
    nullable: true,
    type: String,
    description:
      'Only in GET /cases/{id}/consents/{consentId} and the withdraw response; null when the case\u2019s identity has been erased',
  })
  withdrawalReason?: string | null;
}

export class ConsentPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [ConsentResponseDto] }) items: ConsentResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}
