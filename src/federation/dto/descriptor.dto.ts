/**
 * The partner descriptor: everything a partner's operator needs to register this deployment, in one document
 * (node id, name, base URL, public keys, organisations). Exported by GET /api/v1/federation/descriptor and imported as
 * it is by POST /api/v1/federation/partners/import on the other side. No personal data: organisations are institutions.
 */
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { IsCountry } from '../../common/validation/is-country';
import { COUNTRY_CODES, ORGANISATION_TYPES, OrganisationType } from '../../common/vocabulary';
import { OrganisationResponseDto } from '../../organisations/dto/organisation.dto';
import { MAX_PARTNER_KEYS } from '../jwks';
import { NODE_ID_PATTERN, PartnerResponseDto } from './partner.dto';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
export const DESCRIPTOR_FORMAT = 'lintas-partner-descriptor/1';
/** At most this many organisations travel in one descriptor. */
export const MAX_DESCRIPTOR_ORGANISATIONS = 500;
const REMOTE_ID = /^[A-Za-z0-9._:-]{1,100}$/;

export class DescriptorJwkDto {
  @ApiProperty({ enum: ['OKP'], example: 'OKP' }) kty: string;
  @ApiProperty({ enum: ['Ed25519'], example: 'Ed25519' }) crv: string;
  @ApiProperty({ maxLength: 43, pattern: '^[A-Za-z0-9_-]{43}$', example: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }) x: string;
  @ApiProperty({ maxLength: 200, pattern: '^[A-Za-z0-9._:-]{1,200}$', example: 'f3Qp0mYk2vT1cN8e' }) kid: string;
  @ApiPropertyOptional({ enum: ['sig'], example: 'sig' }) use?: string;
  @ApiPropertyOptional({ enum: ['EdDSA'], example: 'EdDSA' }) alg?: string;
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: 253402300799,
    example: 1798761600,
    description: 'A retired key: accepted until this time (seconds since 1970)',
  })
  exp?: number;
}

export class DescriptorJwksDto {
  @ApiProperty({ type: [DescriptorJwkDto], minItems: 1, maxItems: MAX_PARTNER_KEYS }) keys: DescriptorJwkDto[];
}

export class DescriptorOrganisationDto {
  @ApiProperty({ maxLength: 100, pattern: REMOTE_ID.source, example: '5b0d6f0e-2c4e-4d8e-9a55-0e4f1c7d9a10' })
  @IsString()
  @MaxLength(100)
  @Matches(REMOTE_ID, { message: 'id may hold letters, digits and . _ : - (at most 100)' })
  id: string;

  @ApiProperty({ minLength: 2, maxLength: 200, example: 'Yangon Reintegration Service' })
  @Transform(trim)
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @ApiProperty({ enum: COUNTRY_CODES, example: 'MM' }) @IsCountry() country: string;
  @ApiProperty({ enum: ORGANISATION_TYPES, example: 'ngo' }) @IsIn(ORGANISATION_TYPES) type: OrganisationType;
}

export class PartnerDescriptorDto {
  @ApiProperty({ enum: [DESCRIPTOR_FORMAT], example: DESCRIPTOR_FORMAT }) @IsIn([DESCRIPTOR_FORMAT]) format: string;

  @ApiProperty({ maxLength: 100, pattern: NODE_ID_PATTERN.source, example: 'lintas-mm.example.org', description: 'The node id (iss)' })
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @Matches(NODE_ID_PATTERN, { message: 'nodeId may hold letters, digits and . _ : - (at most 100)' })
  nodeId: string;

  @ApiProperty({ minLength: 2, maxLength: 200, example: 'Lintas Myanmar' })
  @Transform(trim)
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @ApiProperty({ format: 'uri', maxLength: 500, example: 'https://lintas-mm.example.org', description: 'Where partners call it' })
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  baseUrl: string;

  @ApiProperty({ type: DescriptorJwksDto, description: 'Its public keys, as GET /federation/v1/keys serves them' })
  @IsObject()
  jwks: { keys: unknown[] };

  @ApiProperty({ type: [DescriptorOrganisationDto], maxItems: MAX_DESCRIPTOR_ORGANISATIONS, description: 'Its organisations' })
  @IsArray()
  @ArrayMaxSize(MAX_DESCRIPTOR_ORGANISATIONS)
  @ValidateNested({ each: true })
  @Type(() => DescriptorOrganisationDto)
  organisations: DescriptorOrganisationDto[];
}

export class ImportPartnerDto {
  @ApiProperty({ type: PartnerDescriptorDto, description: "The partner's descriptor, as its GET /api/v1/federation/descriptor answered" })
  @IsObject()
  @ValidateNested()
  @Type(() => PartnerDescriptorDto)
  descriptor: PartnerDescriptorDto;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 2160,
    format: 'int32',
    type: 'integer',
    example: 72,
    description: 'Hours its organisations have to accept a referral (a new partner only); the deployment default when omitted',
  })
  // Absent means the default; null is not a number (the document says so), so it is refused rather than read as absent.
  @ValidateIf((_o, v) => v !== undefined)
  @IsInt()
  @Min(1)
  @Max(2160)
  acceptanceDeadlineHours?: number;

  @ApiPropertyOptional({
    example: false,
    description:
      'Needed when the partner is already registered and the descriptor shares no key with the keys held for it (not a rotation: a new identity)',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  confirmKeyChange?: boolean;
}

/** An organisation of the descriptor whose name was taken here in its country: registered under another name. */
export class RenamedOrganisationDto {
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'Its id on this deployment' }) id: string;
  @ApiProperty({ format: 'uuid', maxLength: 36, description: 'Its id on the partner deployment' }) remoteOrganisationId: string;
  @ApiProperty({ maxLength: 200, example: 'Hope Shelter', description: 'The name the descriptor gave it' }) nameInDescriptor: string;
  @ApiProperty({ maxLength: 200, example: 'Hope Shelter (lintas-kh.example.org)', description: 'The name it is registered under here' })
  name: string;
}

export class PartnerImportResultDto {
  @ApiProperty({ type: PartnerResponseDto }) partner: PartnerResponseDto;
  @ApiProperty({ example: true, description: 'false: the partner was registered already and was updated' }) created: boolean;
  @ApiProperty({ example: false, description: 'The stored keys were replaced by different ones' }) keysChanged: boolean;
  @ApiProperty({ type: [OrganisationResponseDto], maxItems: MAX_DESCRIPTOR_ORGANISATIONS, description: 'Organisations registered now' })
  organisationsAdded: OrganisationResponseDto[];
  @ApiProperty({
    type: 'integer',
    format: 'int32',
    minimum: 0,
    maximum: MAX_DESCRIPTOR_ORGANISATIONS,
    example: 0,
    description: 'Organisations of the descriptor registered before (left as they are)',
  })
  organisationsAlreadyRegistered: number;
  @ApiProperty({
    type: [RenamedOrganisationDto],
    maxItems: MAX_DESCRIPTOR_ORGANISATIONS,
    description:
      'Organisations of organisationsAdded whose name was taken here in their country (by a local organisation or another partner\u2019s): registered as "<name> (<partner name>)"',
  })
  organisationsRenamed: RenamedOrganisationDto[];
}
