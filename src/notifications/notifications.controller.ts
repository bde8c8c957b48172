import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import {
  NotificationPreferencesDto,
  OrganisationNotificationDefaultDto,
  UpdateNotificationPreferencesDto,
  UpdateOrganisationNotificationDefaultDto,
} from './dto/notification.dto';
import { NotificationPreferences } from './notification-preferences.service';

/** How people hear of their alerts by e-mail. docs/notifications.md */
@ApiTags('notifications')
@Controller('api/v1')
export class NotificationsController {
  constructor(private readonly preferences: NotificationPreferences) {}

  @Get('me/notification-preferences')
  @ApiOperation({ summary: 'How I hear of new alerts by e-mail: immediately, a daily digest, or not at all' })
  @Authorize(Permission.NotificationPreferences)
  @ApiOkResponse({ type: NotificationPreferencesDto })
  mine(@Actor() actor: ActorShape): Promise<NotificationPreferencesDto> {
    return this.preferences.mine(actor);
  }

  @Patch('me/notification-preferences')
  @ApiOperation({ summary: 'Choose immediate, daily or off; null returns to the organisation’s default' })
  @Authorize(Permission.NotificationPreferences)
  @ApiOkResponse({ type: NotificationPreferencesDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  setMine(@Actor() actor: ActorShape, @Body() dto: UpdateNotificationPreferencesDto): Promise<NotificationPreferencesDto> {
    return this.preferences.setMine(actor, dto.email);
  }

  @Get('notifications/organisation-default')
  @ApiOperation({ summary: 'The e-mail mode of the organisation’s people who chose none (org admins)' })
  @Authorize(Permission.NotificationDefaults)
  @ApiOkResponse({ type: OrganisationNotificationDefaultDto })
  organisationDefault(@Actor() actor: ActorShape): Promise<OrganisationNotificationDefaultDto> {
    return this.preferences.organisationDefaultOf(actor);
  }

  @Patch('notifications/organisation-default')
  @ApiOperation({ summary: 'Set the organisation’s default e-mail mode (org admins)' })
  @Authorize(Permission.NotificationDefaults)
  @ApiOkResponse({ type: OrganisationNotificationDefaultDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  setOrganisationDefault(
    @Actor() actor: ActorShape,
    @Body() dto: UpdateOrganisationNotificationDefaultDto,
  ): Promise<OrganisationNotificationDefaultDto> {
    return this.preferences.setOrganisationDefault(actor, dto.email);
  }
}
