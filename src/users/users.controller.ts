import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
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
import { CreateUserDto, ListUsersQueryDto, MeResponseDto, UpdateUserDto, UserPageDto, UserResponseDto } from './dto/user.dto';
import { UsersService } from './users.service';
import { Idempotent } from '../common/http/idempotent';
import { ApiConditionalGet } from '../common/http/etag';

@ApiTags('users')
@Controller('api/v1')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @ApiConditionalGet()
  @ApiOperation({ summary: 'Who am I: the signed-in user and its organisation' })
  @Authorize(Permission.MeRead)
  @ApiOkResponse({ type: MeResponseDto })
  me(@Actor() actor: ActorShape): Promise<MeResponseDto> {
    return this.users.me(actor);
  }

  @Post('users')
  @Idempotent()
  @ApiOperation({ summary: 'Create a user' })
  @Authorize(Permission.UserCreate)
  @ApiCreatedResponse({ type: UserResponseDto, description: 'The user, without any secret' })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED or PASSWORD_POLICY' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: 'ORGANISATION_NOT_FOUND' })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'EMAIL_TAKEN' })
  create(@Actor() actor: ActorShape, @Body() dto: CreateUserDto): Promise<UserResponseDto> {
    return this.users.create(actor, dto);
  }

  @Get('users')
  @ApiOperation({ summary: 'List users (own organisation; every organisation for a platform admin)' })
  @Authorize(Permission.UserRead)
  @ApiOkResponse({ type: UserPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  list(@Actor() actor: ActorShape, @Query() query: ListUsersQueryDto): Promise<Page<UserResponseDto>> {
    return this.users.list(actor, query);
  }

  @Get('users/:id')
  @ApiOperation({ summary: 'Get a user' })
  @Authorize(Permission.UserRead)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'id is not a UUID' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<UserResponseDto> {
    return this.users.get(actor, id);
  }

  @Patch('users/:id')
  @ApiOperation({ summary: "Change a user's role or display name, or disable or enable the account" })
  @Authorize(Permission.UserUpdate)
  @ApiOkResponse({ type: UserResponseDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ErrorResponseDto })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'CANNOT_CHANGE_OWN_ACCOUNT' })
  update(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string, @Body() dto: UpdateUserDto): Promise<UserResponseDto> {
    return this.users.update(actor, id, dto);
  }
}
