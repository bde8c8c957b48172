import { ApiProperty } from '@nestjs/swagger';
import { IsIn, ValidateIf } from 'class-validator';
import { nullableEnum } from '../../common/http/api-schema';
import { EMAIL_MODES, EmailMode } from '../../common/vocabulary/notifications';

export class UpdateNotificationPreferencesDto {
  @ApiProperty(
    nullableEnum(EMAIL_MODES, {
      example: 'daily',
      description: 'immediate: one message per new alert; daily: one summary a day; off: none; null: the organisation’s default',
    }),
  )
  @ValidateIf((_o, v) => v !== null)
  @IsIn(EMAIL_MODES)
  email: EmailMode | null;
}

export class NotificationPreferencesDto {
  @ApiProperty(nullableEnum(EMAIL_MODES, { description: 'Your own choice; null: the organisation’s default applies' }))
  email: EmailMode | null;
  @ApiProperty({ enum: EMAIL_MODES }) organisationDefault: EmailMode;
  @ApiProperty({ enum: EMAIL_MODES, description: 'What applies to you' }) effective: EmailMode;
  @ApiProperty({ description: 'false while this deployment sends no e-mail (SMTP_URL not set)' }) emailDeliveryEnabled: boolean;
}

export class UpdateOrganisationNotificationDefaultDto {
  @ApiProperty({ enum: EMAIL_MODES, example: 'daily' }) @IsIn(EMAIL_MODES) email: EmailMode;
}

export class OrganisationNotificationDefaultDto {
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty({ enum: EMAIL_MODES }) email: EmailMode;
}
