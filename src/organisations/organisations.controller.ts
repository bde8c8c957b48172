import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
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
import { CreateOrganisationDto, ListOrganisationsQueryDto, OrganisationPageDto, OrganisationResponseDto } from './dto/organisation.dto';
import { OrganisationsService } from './organisations.service';
import { Idempotent } from '../common/http/idempotent';
import { ApiConditionalGet } from '../common/http/etag';

@ApiTags('organisations')
@Controller('api/v1/organisations')
export class OrganisationsController {
  constructor(private readonly organisations: OrganisationsService) {}

  @Post()
  @Idempotent()
  @ApiOperation({ summary: 'Create an organisation' })
  @Authorize(Permission.OrganisationCreate)
  @ApiCreatedResponse({ type: OrganisationResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'ORGANISATION_NAME_TAKEN' })
  create(@Actor() actor: ActorShape, @Body() dto: CreateOrganisationDto): Promise<OrganisationResponseDto> {
    return this.organisations.create(actor, dto);
  }

  @Get()
  @ApiOperation({ summary: 'List organisations (the directory every user may read)' })
  @Authorize(Permission.OrganisationRead)
  @ApiOkResponse({ type: OrganisationPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  list(@Actor() actor: ActorShape, @Query() query: ListOrganisationsQueryDto): Promise<Page<OrganisationResponseDto>> {
    return this.organisations.list(actor, query);
  }

  @Get(':id')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Get an organisation' })
  @Authorize(Permission.OrganisationRead)
  @ApiOkResponse({ type: OrganisationResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'id is not a UUID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<OrganisationResponseDto> {
    return this.organisations.get(actor, id);
  }
}
