import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize, Public } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { AuthThrottled } from '../common/http/throttle';
import { AuthService } from './auth.service';
import { LoginDto, LogoutDto, RefreshDto, TokenResponseDto } from './dto/auth.dto';

@ApiTags('auth')
@AuthThrottled() // under the stricter per-address rate limit
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('login')
  @ApiOperation({ summary: 'Log in with email and password' })
  @HttpCode(200)
  @Public()
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Validation failed' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'INVALID_CREDENTIALS (the same for an unknown email)' })
  login(@Body() dto: LoginDto, @Req() request: FastifyRequest): Promise<TokenResponseDto> {
    return this.auth.login(dto.email, dto.password, String(request.id));
  }

  @Post('refresh')
  @ApiOperation({ summary: 'Exchange a refresh token for new tokens (each refresh token works once)' })
  @HttpCode(200)
  @Public()
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Validation failed' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'REFRESH_TOKEN_INVALID; a reused token also ends its session' })
  refresh(@Body() dto: RefreshDto, @Req() request: FastifyRequest): Promise<TokenResponseDto> {
    return this.auth.refresh(dto.refreshToken, String(request.id));
  }

  @Post('logout')
  @ApiOperation({ summary: 'Log out: end one session' })
  @HttpCode(204)
  @Authorize(Permission.MeRead)
  @ApiNoContentResponse({ description: 'Session ended; its access and refresh tokens stop working' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'Validation failed' })
  async logout(@Actor() actor: ActorShape, @Body() dto: LogoutDto): Promise<void> {
    await this.auth.logout(actor, dto?.refreshToken);
  }
}
