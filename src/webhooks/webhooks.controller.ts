import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { locationHeader } from '../common/http/etag';
import type { FastifyReply } from 'fastify';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { ErrorResponseDto } from '../common/http/error-response.dto';
import { Page, PageQueryDto } from '../common/http/pagination';
import {
  CreateWebhookSubscriptionDto,
  ListWebhookDeliveriesQueryDto,
  UpdateWebhookSubscriptionDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookSubscriptionDto,
  WebhookSubscriptionPageDto,
  WebhookSubscriptionWithSecretDto,
} from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

const NOT_OURS = 'Missing, or another organisation\u2019s';

/** Webhook subscriptions of the caller's organisation (org admins). docs/webhooks.md */
@ApiTags('webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post('subscriptions')
  @ApiOperation({ summary: 'Subscribe a system of the organisation to events; the signing secret is in this answer only' })
  @Authorize(Permission.WebhookManage)
  @ApiCreatedResponse({
    type: WebhookSubscriptionWithSecretDto,
    headers: locationHeader('/api/v1/webhooks/subscriptions/0b5e3f4a-8c1d-4e2f-9a7b-6c5d4e3f2a1b'),
  })
  @ApiBadRequestResponse({
    type: ErrorResponseDto,
    description:
      'VALIDATION_FAILED, or WEBHOOK_UNSAFE_URL (scheme, credentials, an address range not allowed, a name that does not resolve)',
  })
  async create(
    @Actor() actor: ActorShape,
    @Body() dto: CreateWebhookSubscriptionDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<WebhookSubscriptionWithSecretDto> {
    const body = await this.webhooks.create(actor, dto);
    void reply.header('Location', `/api/v1/webhooks/subscriptions/${body.id}`);
    return body;
  }

  @Get('subscriptions')
  @ApiOperation({ summary: "The organisation's webhook subscriptions (never their secrets)" })
  @Authorize(Permission.WebhookManage)
  @ApiOkResponse({ type: WebhookSubscriptionPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  list(@Actor() actor: ActorShape, @Query() query: PageQueryDto): Promise<Page<WebhookSubscriptionDto>> {
    return this.webhooks.list(actor, query);
  }

  @Get('subscriptions/:id')
  @ApiOperation({ summary: 'One webhook subscription' })
  @Authorize(Permission.WebhookManage)
  @ApiOkResponse({ type: WebhookSubscriptionDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_OURS })
  get(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookSubscriptionDto> {
    return this.webhooks.get(actor, id);
  }

  @Patch('subscriptions/:id')
  @ApiOperation({ summary: 'Change the events or the description; enable or disable' })
  @Authorize(Permission.WebhookManage)
  @ApiOkResponse({ type: WebhookSubscriptionDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED (the URL cannot change: make a new subscription)' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_OURS })
  update(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Body() dto: UpdateWebhookSubscriptionDto,
  ): Promise<WebhookSubscriptionDto> {
    return this.webhooks.update(actor, id, dto);
  }

  @Delete('subscriptions/:id')
  @ApiOperation({ summary: 'Delete a subscription with its deliveries' })
  @HttpCode(204)
  @Authorize(Permission.WebhookManage)
  @ApiNoContentResponse({ description: 'Deleted; pending attempts are dropped' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_OURS })
  async remove(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<void> {
    await this.webhooks.remove(actor, id);
  }

  @Post('subscriptions/:id/rotate-secret')
  @ApiOperation({ summary: 'A new signing secret (shown once); the previous one keeps signing for 24 hours' })
  @HttpCode(200)
  @Authorize(Permission.WebhookManage)
  @ApiOkResponse({ type: WebhookSubscriptionWithSecretDto })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_OURS })
  rotateSecret(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookSubscriptionWithSecretDto> {
    return this.webhooks.rotateSecret(actor, id);
  }

  @Get('subscriptions/:id/deliveries')
  @ApiOperation({ summary: 'Deliveries of a subscription, newest first, each with its attempts (time, status, duration, error)' })
  @Authorize(Permission.WebhookManage)
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'VALIDATION_FAILED' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_OURS })
  deliveries(
    @Actor() actor: ActorShape,
    @Param('id', ParseUUIDPipe) id: string,
    @Query() query: ListWebhookDeliveriesQueryDto,
  ): Promise<Page<WebhookDeliveryDto>> {
    return this.webhooks.deliveries(actor, id, query);
  }

  @Post('deliveries/:id/redeliver')
  @ApiOperation({ summary: 'Send a delivered or failed message again: same body, same webhook-id, new attempts' })
  @HttpCode(202)
  @Authorize(Permission.WebhookManage)
  @ApiAcceptedResponse({ type: WebhookDeliveryDto, description: 'Queued; the attempts follow in the background' })
  @ApiNotFoundResponse({ type: ErrorResponseDto, description: NOT_OURS })
  @ApiConflictResponse({ type: ErrorResponseDto, description: 'WEBHOOK_DELIVERY_PENDING, or WEBHOOK_SUBSCRIPTION_DISABLED' })
  redeliver(@Actor() actor: ActorShape, @Param('id', ParseUUIDPipe) id: string): Promise<WebhookDeliveryDto> {
    return this.webhooks.redeliver(actor, id);
  }
}
