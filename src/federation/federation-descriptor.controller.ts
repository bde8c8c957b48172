import { Body, Controller, Get, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { ImportPartnerDto, PartnerDescriptorDto, PartnerImportResultDto } from './dto/descriptor.dto';
import { FederationDescriptorService } from './federation-descriptor.service';

const header = (name: string) => ({ $ref: `#/components/headers/${name}` });
/**
 * Declared on every answer of these routes (the document's shared 2xx headers are added to successes anyway): the
 * rate-limit headers the throttler sends, and the CORS header sent when CORS_ORIGINS admits the caller's origin.
 */
const HEADERS = {
  'X-RateLimit-Limit': header('X-RateLimit-Limit'),
  'X-RateLimit-Remaining': header('X-RateLimit-Remaining'),
  'X-RateLimit-Reset': header('X-RateLimit-Reset'),
  'Access-Control-Allow-Origin': {
    description: "Sent when CORS_ORIGINS admits the caller's origin",
    schema: { type: 'string' as const, maxLength: 2048 },
  },
};

@ApiTags('federation')
@Controller('api/v1/federation')
export class FederationDescriptorController {
  constructor(private readonly descriptors: FederationDescriptorService) {}

  @Get('descriptor')
  @ApiOperation({
    summary: "This deployment's partner descriptor",
    description:
      'Node id, name, base URL, public keys (current and retired, with their validity) and organisations: what a partner operator imports with POST /api/v1/federation/partners/import. No personal data.',
  })
  @ApiOkResponse({ headers: HEADERS, type: PartnerDescriptorDto })
  @ApiForbiddenResponse({ headers: HEADERS, type: ErrorResponseDto, description: 'Role lacks the permission federation-partner:manage' })
  @ApiConflictResponse({ headers: HEADERS, type: ErrorResponseDto, description: 'FEDERATION_BASE_URL_NOT_SET' })
  @ApiUnauthorizedResponse({ headers: HEADERS, type: ErrorResponseDto, description: 'Missing, invalid or expired access token' })
  @ApiTooManyRequestsResponse({
    headers: { ...HEADERS, 'Retry-After': header('Retry-After') },
    type: ErrorResponseDto,
    description: 'Rate limited',
  })
  // Last, so it is applied first: the answers above, declared with their headers, replace its plain ones.
  @Authorize(Permission.FederationPartnerManage)
  export(@Actor() actor: ActorShape): Promise<PartnerDescriptorDto> {
    return this.descriptors.export(actor);
  }

  @Post('partners/import')
  @ApiOperation({
    summary: 'Register (or update) a partner from its descriptor, with its organisations, in one step',
    description:
      'A new partner is registered with the keys and organisations of the descriptor. A registered one is updated: base URL, keys (a rotation shares a key id with those held; keys that share none need confirmKeyChange), and organisations not registered yet. An organisation whose name is taken here in its country is registered as "<name> (<partner name>)" and listed in organisationsRenamed; nothing is half-written.',
  })
  @ApiCreatedResponse({ headers: HEADERS, type: PartnerImportResultDto })
  @ApiBadRequestResponse({
    headers: HEADERS,
    type: ErrorResponseDto,
    description: 'VALIDATION_FAILED, FEDERATION_INVALID_JWKS, FEDERATION_UNSAFE_ADDRESS',
  })
  @ApiForbiddenResponse({ headers: HEADERS, type: ErrorResponseDto, description: 'Role lacks the permission federation-partner:manage' })
  @ApiConflictResponse({
    headers: HEADERS,
    type: ErrorResponseDto,
    description:
      'FEDERATION_PARTNER_IS_SELF, FEDERATION_PARTNER_KEYS_CHANGED, FEDERATION_PARTNER_RETIRED, FEDERATION_PARTNER_EXISTS, ORGANISATION_NAME_TAKEN (only when 20 suffixed names are taken too)',
  })
  @ApiUnauthorizedResponse({ headers: HEADERS, type: ErrorResponseDto, description: 'Missing, invalid or expired access token' })
  @ApiTooManyRequestsResponse({
    headers: { ...HEADERS, 'Retry-After': header('Retry-After') },
    type: ErrorResponseDto,
    description: 'Rate limited',
  })
  @Authorize(Permission.FederationPartnerManage)
  import(@Actor() actor: ActorShape, @Body() dto: ImportPartnerDto): Promise<PartnerImportResultDto> {
    return this.descriptors.import(actor, dto);
  }
}
