import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PageQueryDto } from '../../common/http/pagination';
import { IsCountry } from '../../common/validation/is-country';
import { COUNTRY_CODES, ORGANISATION_TYPES, OrganisationType } from '../../common/vocabulary';
import { FederationPartnerEntity, PARTNER_STATUSES, PartnerJwk, PartnerStatus } from '../federation-partner.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
export const NODE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

export class JwkDto {
  @ApiProperty({ example: 'OKP' }) kty: string;
  @ApiProperty({ example: 'Ed25519' }) crv: string;
  @ApiProperty({ description: 'Public key, base64url' }) x: string;
  @ApiProperty() kid: string;
  @ApiPropertyOptional({ example: 'sig' }) use?: string;
  @ApiPropertyOptional({ example: 'EdDSA' }) alg?: string;
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
  @ApiProperty({ type: [JwkDto] }) keys: JwkDto[];
}

export class CreatePartnerDto {
  @ApiProperty({ example: 'lintas-mm.example.org', description: "The partner's node id (the iss of its packets)" })
  @Transform(trim)
  @IsString()
  @Matches(NODE_ID_PATTERN, { message: 'nodeId may hold letters, digits and . _ : - (at most 100)' })
  nodeId: string;

  @ApiProperty({ example: 'Lintas Myanmar', minLength: 2, maxLength: 200 })
  @Transform(trim)
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @ApiProperty({
    example: 'https://lintas-mm.example.org',
    description: 'https in production; its keys are at <baseUrl>/federation/v1/keys',
  })
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  baseUrl: string;

  @ApiPropertyOptional({ type: JwksDto, description: "The partner's public keys; fetched from <baseUrl>/federation/v1/keys when omitted" })
  @IsOptional()
  @IsObject()
  jwks?: { keys: unknown[] };

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 2160,
    description: 'Hours its organisations have to accept a referral; the deployment default when omitted',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(2160)
  acceptanceDeadlineHours?: number;
}

export class ListPartnersQueryDto extends PageQueryDto {}

export class RegisterRemoteOrganisationDto {
  @ApiProperty({ description: "The organisation's id on the partner's deployment", example: '5b0d6f0e-2c4e-4d8e-9a55-0e4f1c7d9a10' })
  @Transform(trim)
  @IsString()
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
  @ApiProperty() nodeId: string;
  @ApiProperty() name: string;
  @ApiProperty() baseUrl: string;
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
  @ApiProperty({ type: [PartnerResponseDto] }) items: PartnerResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class PartnerCheckDto {
  @ApiProperty({ enum: ['delivered', 'permanent', 'retryable'] }) outcome: string;
  @ApiPropertyOptional() status?: number;
  @ApiPropertyOptional({ description: 'Why it did not arrive (network, timeout, refused, unsafe_address, …)' }) reason?: string;
  @ApiPropertyOptional({ description: "The partner's error code, when it refused" }) errorCode?: string;
}

export class SignedPacketDto {
  @ApiProperty({ description: 'A compact JWS (EdDSA) over the canonical JSON of { jti, iat, exp, iss, aud, typ, body }' })
  @IsString()
  @MinLength(10)
  @MaxLength(512 * 1024)
  jws: string;
}

export class PingAckDto {
  @ApiProperty({ description: 'This node id' }) nodeId: string;
  @ApiProperty({ format: 'uuid', description: 'The jti of the packet received' }) jti: string;
}
