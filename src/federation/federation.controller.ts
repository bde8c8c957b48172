import { Body, Controller, Get, Header, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiConflictResponse, ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Public } from '../common/auth/decorators';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { JwksDto, PingAckDto, SignedPacketDto } from './dto/partner.dto';
import { FederationInboundService } from './federation-inbound.service';

/** Node-to-node routes. Not under /api/v1: partners authenticate each packet by its signature, not with a user token. */
@ApiTags('federation')
@Controller('federation/v1')
export class FederationController {
  constructor(private readonly inbound: FederationInboundService) {}

  /** This node's public keys. The one cacheable response: public data that changes only when the key rotates. */
  @Get('keys')
  @ApiOperation({ summary: "This node's public signing keys (JWKS), for partner deployments" })
  @Public()
  @Header('Cache-Control', 'public, max-age=300')
  @ApiOkResponse({ type: JwksDto })
  keys(): Promise<JwksDto> {
    return this.inbound.keys();
  }

  /** A partner's connectivity check: a signed ping, verified and recorded exactly like any packet. */
  @Post('ping')
  @ApiOperation({ summary: "A partner's signed connectivity check, verified and recorded like any packet" })
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: PingAckDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'FEDERATION_MALFORMED_PACKET, FEDERATION_WRONG_PACKET_TYPE' })
  @ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'FEDERATION_UNKNOWN_KEY, FEDERATION_INVALID_SIGNATURE, FEDERATION_PACKET_EXPIRED' })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'FEDERATION_WRONG_RECIPIENT, FEDERATION_PARTNER_INACTIVE' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_REPLAY' })
  ping(@Body() dto: SignedPacketDto): Promise<PingAckDto> {
    return this.inbound.ping(dto.jws);
  }
}
