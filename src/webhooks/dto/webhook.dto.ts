import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
  MinLength,
} from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation/is-optional-not-null';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import { WEBHOOK_DELIVERY_STATUSES, WEBHOOK_EVENT_TYPES, WebhookDeliveryStatus, WebhookEventType } from '../../common/vocabulary/webhooks';
import { WebhookAttemptEntity } from '../webhook-attempt.entity';
import { WebhookDeliveryEntity } from '../webhook-delivery.entity';
import { WebhookSubscriptionEntity } from '../webhook-subscription.entity';

const trim = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value);
const DESCRIPTION_HINT = 'What the receiving system is, for the admins. Do not write names or other personal data here.';

export class CreateWebhookSubscriptionDto {
  @ApiProperty({ example: 'https://cms.shelter.example/hooks/lintas', maxLength: 2048, description: 'https (http too outside production)' })
  @Transform(trim)
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  url: string;

  @ApiProperty({ maxItems: 9, enum: WEBHOOK_EVENT_TYPES, isArray: true, example: ['referral.received', 'alert.raised'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events: WebhookEventType[];

  @ApiPropertyOptional({ maxLength: 500, example: 'Case-management system of the shelter', description: DESCRIPTION_HINT })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class UpdateWebhookSubscriptionDto {
  @ApiPropertyOptional({ maxItems: 9, enum: WEBHOOK_EVENT_TYPES, isArray: true })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(WEBHOOK_EVENT_TYPES.length)
  @ArrayUnique()
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  events?: WebhookEventType[];

  @ApiPropertyOptional({ maxLength: 500, description: DESCRIPTION_HINT })
  @IsOptionalNotNull()
  @Transform(trim)
  @IsString()
  @MaxLength(500)
  description?: string;

  @ApiPropertyOptional({ description: 'true turns a disabled subscription back on (its failure count starts again at 0)' })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class WebhookSubscriptionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organisationId: string;
  @ApiProperty({ example: 'https://partner.example.org/lintas/webhooks', maxLength: 2048 }) url: string;
  @ApiProperty({ example: 'Case system of the partner shelter', maxLength: 500 }) description: string;
  @ApiProperty({ maxItems: 9, enum: WEBHOOK_EVENT_TYPES, isArray: true }) events: WebhookEventType[];
  @ApiProperty() enabled: boolean;
  @ApiProperty({
    maxLength: 40,
    nullable: true,
    type: String,
    example: 'consecutive_failures',
    description: 'Set when the system disabled it',
  })
  disabledReason: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabledAt: string | null;
  @ApiProperty({ description: 'Failed attempts since the last success' }) consecutiveFailures: number;
  @ApiProperty({
    format: 'date-time',
    nullable: true,
    type: String,
    description: 'After a rotation: until then the previous secret signs too',
  })
  previousSecretExpiresAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;

  static from(row: WebhookSubscriptionEntity, now: Date): WebhookSubscriptionDto {
    const overlap = row.previousSecretExpiresAt && row.previousSecretExpiresAt > now ? row.previousSecretExpiresAt.toISOString() : null;
    return {
      id: row.id,
      organisationId: row.organisationId,
      url: row.url,
      description: row.description,
      events: row.events as WebhookEventType[],
      enabled: row.enabled,
      disabledReason: row.disabledReason,
      disabledAt: row.disabledAt?.toISOString() ?? null,
      consecutiveFailures: row.consecutiveFailures,
      previousSecretExpiresAt: overlap,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

export class WebhookSubscriptionWithSecretDto extends WebhookSubscriptionDto {
  @ApiProperty({
    maxLength: 200,
    example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw…',
    description: 'The signing secret (Standard Webhooks). Shown once, here: store it in the receiving system.',
  })
  secret: string;
}

export class WebhookSubscriptionPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [WebhookSubscriptionDto] }) items: WebhookSubscriptionDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}

export class ListWebhookDeliveriesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: WEBHOOK_DELIVERY_STATUSES }) @IsOptional() @IsIn(WEBHOOK_DELIVERY_STATUSES) status?: WebhookDeliveryStatus;
}

export class WebhookAttemptDto {
  @ApiProperty({ format: 'date-time' }) attemptedAt: string;
  @ApiProperty({ nullable: true, type: Number, description: 'The HTTP status; null when no answer came' }) responseStatus: number | null;
  @ApiProperty() durationMs: number;
  @ApiProperty({
    maxLength: 40,
    nullable: true,
    type: String,
    example: 'http_503',
    description: 'http_<status>, timeout, network, dns, unsafe_address, redirect or subscription_disabled; null on success',
  })
  error: string | null;
  @ApiProperty({ enum: ['delivered', 'retry', 'failed'] }) outcome: string;

  static from(row: WebhookAttemptEntity): WebhookAttemptDto {
    return {
      attemptedAt: row.attemptedAt.toISOString(),
      responseStatus: row.responseStatus,
      durationMs: row.durationMs,
      error: row.error,
      outcome: row.outcome,
    };
  }
}

export class WebhookDeliveryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) subscriptionId: string;
  @ApiProperty({ maxLength: 64, example: 'msg_2b1f…', description: 'The webhook-id header: the same on every attempt and redelivery' })
  messageId: string;
  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES }) eventType: WebhookEventType;
  @ApiProperty({ enum: WEBHOOK_DELIVERY_STATUSES }) status: WebhookDeliveryStatus;
  @ApiProperty() attemptCount: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) nextAttemptAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) completedAt: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ maxItems: 10000, type: [WebhookAttemptDto], description: 'Every attempt, oldest first' }) attempts: WebhookAttemptDto[];

  static from(row: WebhookDeliveryEntity, attempts: WebhookAttemptEntity[]): WebhookDeliveryDto {
    return {
      id: row.id,
      subscriptionId: row.subscriptionId,
      messageId: row.messageId,
      eventType: row.eventType as WebhookEventType,
      status: row.status,
      attemptCount: row.attempts,
      nextAttemptAt: row.status === 'pending' ? (row.nextAttemptAt?.toISOString() ?? null) : null,
      completedAt: row.completedAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
      attempts: attempts.map((a) => WebhookAttemptDto.from(a)),
    };
  }
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [WebhookDeliveryDto] }) items: WebhookDeliveryDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}
