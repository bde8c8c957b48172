import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';

export class LoginDto {
  @ApiProperty({ maxLength: 254, example: 'caseworker@shelter.example' }) @IsEmail() @MaxLength(254) email: string;
  @ApiProperty({ maxLength: 1024, example: 'a long passphrase of 15+', format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password: string;
}

export class RefreshDto {
  @ApiProperty({
    example: 'lrt_3q2-7wXc1nJm0A9vZrXk4yq8bT5uLdPf6sHgE2oWiNc',
    minLength: 1,
    maxLength: 200,
    description: 'The refresh token from login or the previous refresh; each is good for one use',
  })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  refreshToken: string;
}

export class LogoutDto {
  @ApiPropertyOptional({ maxLength: 200, description: "Ends this token's session; without it, the session of the access token ends" })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(200)
  refreshToken?: string;
}

export class TokenResponseDto {
  @ApiProperty({ example: 'eyJhbGciOiJFUzI1NiIsInR5cCI6ImF0K2p3dCJ9.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl', maxLength: 4096 })
  accessToken: string;
  @ApiProperty({ example: 'lrt_3q2-7wXc1nJm0A9vZrXk4yq8bT5uLdPf6sHgE2oWiNc', maxLength: 200 }) refreshToken: string;
  @ApiProperty({ description: 'Access-token lifetime in seconds', example: 900 }) expiresIn: number;
  @ApiProperty({ enum: ['Bearer'], example: 'Bearer' }) tokenType: 'Bearer';
}
