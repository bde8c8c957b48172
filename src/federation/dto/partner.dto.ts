import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import { IsCountry } from '../../common/validation/is-country';
import { COUNTRY_CODES, ORGANISATION_TYPES, OrganisationType } from '../../common/vocabulary';
import { MAX_PARTNER_KEYS } from '../jwks';
import { FederationPartnerEntity, PARTNER_STATUSES, PartnerJwk, PartnerStatus } from '../federation-partner.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** An Ed25519 public key as parsePartnerJwks (../jwks.ts) accepts it: these bounds are the parser's. */
export class JwkDto {
  @ApiProperty({ enum: ['OKP'], example: 'OKP' }) kty: string;
  @ApiProperty({ enum: ['Ed25519'], example: 'Ed25519' }) crv: string;
  @ApiProperty({
    example: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
    minLength: 43,
    maxLength: 43,
    pattern: '^[A-Za-z0-9_-]{43}$',
    description: 'Public key, base64url',
  })
  x: string;
  @ApiProperty({ example: 'lintas-th-2026-01', maxLength: 200, pattern: '^[A-Za-z0-9._:-]{1,200}$' }) kid: string;
  @ApiPropertyOptional({ enum: ['sig'], example: 'sig' }) use?: string;
  @ApiPropertyOptional({ enum: ['EdDSA'], example: 'EdDSA' }) alg?: string;
  @ApiPropertyOptional({
    type: 'integer',
    format: 'int64',
    minimum: 0,
    maximum: 253402300799,
    example: 1798761600,
    description: 'A retired key: packets it signed are accepted until this time (seconds since 1970); absent for the current key',
  })
  exp?: number;
}

export class JwksDto {
  @ApiProperty({
    maxItems: MAX_PARTNER_KEYS,
    type: [JwkDto],
    description: 'A registration sends 1 to 10 keys (fewer or more answer 400); the document does not promise a stored partner holds one',
  })
  keys: JwkDto[];
}

export class CreatePartnerDto {
  @ApiProperty({ maxLength: 100, example: 'lintas-mm.example.org', description: "The partner's node id (the iss of its packets)" })
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @Matches(NODE_ID_PATTERN, { message: 'nodeId may hold letters, digits and . _ : - (at most 100)' })
  nodeId: string;

  @ApiProperty({ example: 'Lintas Myanmar', minLength: 2, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @ApiProperty({
    maxLength: 500,
    example: 'https://lintas-mm.example.org',
    description: 'https in production; its keys are at <baseUrl>/federation/v1/keys',
  })
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  baseUrl: string;

  @ApiPropertyOptional({ type: JwksDto, description: "The partner's public keys; fetched from <baseUrl>/federation/v1/keys when omitted" })
  @IsOptionalNotNull()
  @IsObject()
  jwks?: { keys: unknown[] };

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 2160,
    description: 'Hours its organisations have to accept a referral; the deployment default when omitted',
  })
  // Absent means the default; null is not a number (the document says so), so it is refused rather than read as absent.
  @ValidateIf((_o, v) => v !== undefined)
  @IsInt()
  @Min(1)
  @Max(2160)
  acceptanceDeadlineHours?: number;
}

export class ListPartnersQueryDto extends PageQueryDto {}

export class RegisterRemoteOrganisationDto {
  @ApiProperty({
    maxLength: 100,
    description: "The organisation's id on the partner's deployment",
    example: '5b0d6f0e-2c4e-4d8e-9a55-0e4f1c7d9a10',
  })
  @Transform(trim)
  @IsString()
  @MaxLength(100)
  @Matches(/^[A-Za-z0-9._:-]{1,100}$/, { message: 'remoteOrganisationId may hold letters, digits and . _ : - (at most 100)' })
  remoteOrganisationId: string;

  @ApiProperty({ example: 'Yangon Reintegration Service', minLength: 2, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'MM', enum: COUNTRY_CODES }) @IsCountry() country: string;
  @ApiProperty({ enum: ORGANISATION_TYPES, example: 'ngo' }) @IsIn(ORGANISATION_TYPES) type: OrganisationType;
}

export class PartnerResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'lintas-kh.example.org', maxLength: 100 }) nodeId: string;
  @ApiProperty({ example: 'Lintas Cambodia', maxLength: 200 }) name: string;
  @ApiProperty({ example: 'https://lintas-kh.example.org', maxLength: 500 }) baseUrl: string;
  @ApiProperty({ type: JwksDto }) jwks: { keys: PartnerJwk[] };
  @ApiProperty() acceptanceDeadlineHours: number;
  @ApiProperty({ enum: PARTNER_STATUSES }) status: PartnerStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(p: FederationPartnerEntity): PartnerResponseDto {
    return {
      id: p.id,
      nodeId: p.nodeId,
      name: p.name,
      baseUrl: p.baseUrl,
      jwks: p.jwks,
      acceptanceDeadlineHours: p.acceptanceDeadlineHours,
      status: p.status,
      createdAt: p.createdAt.toISOString(),
    };
  }
}

export class PartnerPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [PartnerResponseDto] }) items: PartnerResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class PartnerCheckDto {
  @ApiProperty({ enum: ['delivered', 'permanent', 'retryable'] }) outcome: string;
  @ApiPropertyOptional() status?: number;
  @ApiPropertyOptional({ maxLength: 60, description: 'Why it did not arrive (network, timeout, refused, unsafe_address, …)' })
  reason?: string;
  @ApiPropertyOptional({ maxLength: 64, description: "The partner's error code, when it refused" }) errorCode?: string;
}

export class SignedPacketDto {
  @ApiProperty({
    example: 'eyJhbGciOiJFUzI1NiIsImtpZCI6ImxpbnRhcy10aC0yMDI2LTAxIn0.eyJ0eXAiOiJhY2sifQ.c2lnbmF0dXJl',
    maxLength: 524288,
    description: 'A compact JWS (EdDSA) over the canonical JSON of { jti, iat, exp, iss, aud, typ, body }',
  })
  @IsString()
  @MinLength(10)
  @MaxLength(512 * 1024)
  jws: string;
}

export class PingAckDto {
  @ApiProperty({ example: 'lintas-th.example.org', maxLength: 100, description: 'This node id' }) nodeId: string;
  @ApiProperty({ format: 'uuid', description: 'The jti of the packet received' }) jti: string;
}
