import { Body, Controller, Get, Header, HttpCode, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Public } from '../common/auth/decorators';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { JwksDto, PingAckDto, SignedPacketDto } from './dto/partner.dto';
import { FederationInboundService } from './federation-inbound.service';
import { FederationReferralInboundService } from './federation-referral-inbound.service';

/** Node-to-node routes. Not under /api/v1: partners authenticate each packet by its signature, not with a user token. */
@ApiTags('federation')
@Controller('federation/v1')
export class FederationController {
  constructor(
    private readonly inbound: FederationInboundService,
    private readonly referrals: FederationReferralInboundService,
  ) {}

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
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'FEDERATION_UNKNOWN_KEY, FEDERATION_INVALID_SIGNATURE, FEDERATION_PACKET_EXPIRED',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'FEDERATION_WRONG_RECIPIENT, FEDERATION_PARTNER_INACTIVE' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_REPLAY' })
  ping(@Body() dto: SignedPacketDto): Promise<PingAckDto> {
    return this.inbound.ping(dto.jws);
  }

  /** A signed referral packet from a partner deployment; answered with a signed acknowledgement (the same on redelivery). */
  @Post('referrals')
  @ApiOperation({ summary: 'A signed referral packet from a partner deployment; answered with a signed acknowledgement' })
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: SignedPacketDto, description: 'The signed acknowledgement (typ ack), the same content for a redelivered packet' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'FEDERATION_MALFORMED_PACKET, FEDERATION_WRONG_PACKET_TYPE' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'FEDERATION_UNKNOWN_KEY, FEDERATION_INVALID_SIGNATURE, FEDERATION_PACKET_EXPIRED',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'FEDERATION_WRONG_RECIPIENT, FEDERATION_PARTNER_INACTIVE' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_REPLAY (a known packet id with another body)' })
  @ApiUnprocessableEntityResponse({ type: ErrorResponseDto, description: 'FEDERATION_ORGANISATION_UNKNOWN' })
  receiveReferral(@Body() dto: SignedPacketDto): Promise<SignedPacketDto> {
    return this.referrals.receiveReferral(dto);
  }

  /** A signed status change or milestone from the other side of a referral, both ways, under the sender's referral id. */
  @Post('referrals/:referralId/events')
  @ApiOperation({
    summary: 'A signed status change or milestone from the other deployment of a referral',
    description:
      'Also the notices of the side that holds the case (kind restriction, rectification: the corrected fields merged into ' +
      'the stored packet) and restitution events (docs/federation.md §9)',
  })
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: SignedPacketDto, description: 'The signed acknowledgement (typ ack)' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'FEDERATION_MALFORMED_PACKET, FEDERATION_WRONG_PACKET_TYPE' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'FEDERATION_UNKNOWN_KEY, FEDERATION_INVALID_SIGNATURE, FEDERATION_PACKET_EXPIRED',
  })
  @ApiForbiddenResponse({
    type: ErrorResponseDto,
    description:
      'FEDERATION_WRONG_RECIPIENT, FEDERATION_PARTNER_INACTIVE, REFERRAL_ACTION_FORBIDDEN, REFERRAL_RECALLED (a rectification of a packet no longer held)',
  })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'FEDERATION_REFERRAL_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_REPLAY, REFERRAL_INVALID_TRANSITION' })
  receiveEvent(@Param('referralId', ParseUUIDPipe) referralId: string, @Body() dto: SignedPacketDto): Promise<SignedPacketDto> {
    return this.referrals.receiveEvent(referralId, dto);
  }

  /** A signed recall: the receiver destroys the packet data it holds and acknowledges with a signed ack. */
  @Post('recalls')
  @ApiOperation({ summary: 'A signed recall: the stored packet data is destroyed and a signed acknowledgement returned' })
  @Public()
  @HttpCode(200)
  @ApiOkResponse({ type: SignedPacketDto, description: 'The signed acknowledgement (typ ack) with the time the data was restricted' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'FEDERATION_MALFORMED_PACKET, FEDERATION_WRONG_PACKET_TYPE' })
  @ApiUnauthorizedResponse({
    type: ErrorResponseDto,
    description: 'FEDERATION_UNKNOWN_KEY, FEDERATION_INVALID_SIGNATURE, FEDERATION_PACKET_EXPIRED',
  })
  @ApiForbiddenResponse({ type: ErrorResponseDto, description: 'FEDERATION_WRONG_RECIPIENT, FEDERATION_PARTNER_INACTIVE' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'FEDERATION_REFERRAL_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_REPLAY' })
  receiveRecall(@Body() dto: SignedPacketDto): Promise<SignedPacketDto> {
    return this.referrals.receiveRecall(dto);
  }
}
