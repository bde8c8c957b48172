import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsBoolean, IsEmail, IsIn, IsOptional, IsString, IsUUID, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import { ROLES, Role } from '../../common/vocabulary';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../passwords/password-policy';

/** A field left out is left alone; one sent is validated, so null is refused (displayName null reached NOT NULL as a 500). */
const present = (_o: object, value: unknown) => value !== undefined;
const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);

export class CreateUserDto {
  @ApiProperty({ maxLength: 254, example: 'caseworker@shelter.example' }) @Transform(trim) @IsEmail() @MaxLength(254) email: string;
  @ApiProperty({ example: 'a long passphrase of 15+', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, format: 'password' })
  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
  password: string;
  @ApiProperty({ enum: ROLES, example: 'caseworker' }) @IsIn(ROLES) role: Role;
  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to your own organisation; an org admin may only name its own' })
  @IsOptionalNotNull()
  @IsUUID()
  organisationId?: string;
  @ApiProperty({ example: 'K. Somchai', maxLength: 120 }) @Transform(trim) @IsString() @MinLength(1) @MaxLength(120) displayName: string;
}

export class UpdateUserDto {
  @ApiPropertyOptional({ enum: ROLES }) @ValidateIf(present) @IsIn(ROLES) role?: Role;
  @ApiPropertyOptional({ description: 'true disables the account: its sessions end at once' })
  @ValidateIf(present)
  @IsBoolean()
  disabled?: boolean;
  @ApiPropertyOptional({ maxLength: 120 })
  @ValidateIf(present)
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  displayName?: string;
}

export class ListUsersQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Platform admin only; others always see their own organisation' })
  @IsOptional()
  @IsUUID()
  organisationId?: string;
  @ApiPropertyOptional({ enum: ROLES }) @IsOptional() @IsIn(ROLES) role?: Role;
}

export class UserResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'caseworker@shelter.example', maxLength: 254 }) email: string;
  @ApiProperty({ example: 'K. Somchai', maxLength: 120 }) displayName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty() disabled: boolean;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
}

export class UserPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [UserResponseDto] }) items: UserResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class MeOrganisationDto {
  @ApiProperty({ example: 'Mercy Shelter', maxLength: 200 }) name: string;
  @ApiProperty({ minLength: 2, maxLength: 2, example: 'TH' }) country: string;
  @ApiProperty({ example: 'ngo', maxLength: 40 }) type: string;
}

export class MeResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'caseworker@shelter.example', maxLength: 254 }) email: string;
  @ApiProperty({ example: 'K. Somchai', maxLength: 120 }) displayName: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty({ type: MeOrganisationDto }) organisation: MeOrganisationDto;
}
