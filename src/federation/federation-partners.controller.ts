import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBadGatewayResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { Page } from '../common/http/pagination';
import { OrganisationResponseDto } from '../organisations/dto/organisation.dto';
import {
  CreatePartnerDto,
  ListPartnersQueryDto,
  PartnerCheckDto,
  PartnerPageDto,
  PartnerResponseDto,
  RegisterRemoteOrganisationDto,
} from './dto/partner.dto';
import { FederationPartnersService } from './federation-partners.service';
import { ApiConditionalGet } from '../common/http/etag';

@ApiTags('federation')
@Controller('api/v1/federation/partners')
export class FederationPartnersController {
  constructor(private readonly partners: FederationPartnersService) {}

  @Post()
  @ApiOperation({ summary: 'Register a partner deployment (its keys given or fetched from its base URL)' })
  @Authorize(Permission.FederationPartnerManage)
  @ApiCreatedResponse({ type: PartnerResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED, FEDERATION_INVALID_JWKS, FEDERATION_UNSAFE_ADDRESS' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_PARTNER_EXISTS, FEDERATION_PARTNER_IS_SELF' })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'FEDERATION_PARTNER_UNREACHABLE (keys could not be fetched)' })
  create(@Actor() actor: ActorShape, @Body() dto: CreatePartnerDto): Promise<PartnerResponseDto> {
    return this.partners.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List partner deployments' })
  @Authorize(Permission.FederationPartnerRead)
  @ApiOkResponse({ type: PartnerPageDto })
  list(@Actor() actor: ActorShape, @Query() query: ListPartnersQueryDto): Promise<Page<PartnerResponseDto>> {
    return this.partners.list(actor, query);
  }

  @Get(':id')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Get a partner deployment' })
  @Authorize(Permission.FederationPartnerRead)
  @ApiOkResponse({ type: PartnerResponseDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<PartnerResponseDto> {
    return this.partners.get(actor, id);
  }

  @Post(':id/organisations')
  @ApiOperation({ summary: 'Register an organisation of the partner as a referral target' })
  @Authorize(Permission.FederationPartnerManage)
  @ApiCreatedResponse({ type: OrganisationResponseDto, description: 'The remote organisation, now a referral target' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'FEDERATION_PARTNER_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_REMOTE_ORGANISATION_EXISTS, ORGANISATION_NAME_TAKEN' })
  registerOrganisation(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: RegisterRemoteOrganisationDto,
  ): Promise<OrganisationResponseDto> {
    return this.partners.registerOrganisation(actor, id, dto);
  }

  @Post(':id/suspend')
  @ApiOperation({ summary: 'Suspend a partner: its packets are refused until it is activated' })
  @HttpCode(200)
  @Authorize(Permission.FederationPartnerManage)
  @ApiOkResponse({ type: PartnerResponseDto })
  suspend(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<PartnerResponseDto> {
    return this.partners.setStatus(actor, id, 'suspended');
  }

  @Post(':id/retire')
  @ApiOperation({ summary: 'Retire a partner for good: nothing is sent to it and nothing is accepted from it, except recalls sent to it' })
  @HttpCode(200)
  @Authorize(Permission.FederationPartnerManage)
  @ApiOkResponse({ type: PartnerResponseDto })
  retire(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<PartnerResponseDto> {
    return this.partners.setStatus(actor, id, 'retired');
  }

  @Post(':id/activate')
  @ApiOperation({ summary: 'Activate a suspended partner again (a retired one stays retired)' })
  @HttpCode(200)
  @Authorize(Permission.FederationPartnerManage)
  @ApiOkResponse({ type: PartnerResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'FEDERATION_PARTNER_RETIRED' })
  activate(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<PartnerResponseDto> {
    return this.partners.setStatus(actor, id, 'active');
  }

  @Post(':id/refresh-keys')
  @ApiOperation({ summary: "Fetch the partner's public keys again (after it rotated its key)" })
  @HttpCode(200)
  @Authorize(Permission.FederationPartnerManage)
  @ApiOkResponse({ type: PartnerResponseDto })
  @ApiBadGatewayResponse({ type: ErrorResponseDto, description: 'FEDERATION_PARTNER_UNREACHABLE' })
  refreshKeys(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<PartnerResponseDto> {
    return this.partners.refreshKeys(actor, id);
  }

  @Post(':id/check')
  @ApiOperation({ summary: 'Send the partner a signed ping and report whether it was accepted' })
  @HttpCode(200)
  @Authorize(Permission.FederationPartnerManage)
  @ApiOkResponse({ type: PartnerCheckDto, description: 'Whether a signed ping reached the partner and was accepted' })
  check(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<PartnerCheckDto> {
    return this.partners.check(actor, id);
  }
}
