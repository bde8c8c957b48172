import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actor as ActorShape } from '../common/auth/actor';
import { Actor, Authorize } from '../common/auth/decorators';
import { Permission } from '../common/auth/permissions';
import { OutboxService } from '../outbox/outbox.service';

class PingAcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'Outbox event id; also the BullMQ job id' }) outboxId: string;
}

/** An operator's check that the outbox → relay → queue → worker path works end to end. */
@ApiTags('system')
@Controller('api/v1/system')
export class SystemController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: OutboxService,
  ) {}

  @Post('ping')
  @ApiOperation({ summary: 'Send a no-op job through outbox, relay, queue and worker' })
  @HttpCode(202)
  @Authorize(Permission.SystemPing)
  @ApiAcceptedResponse({ type: PingAcceptedDto })
  async ping(@Actor() actor: ActorShape): Promise<PingAcceptedDto> {
    const outboxId = await this.dataSource.transaction((em) =>
      this.outbox.add(em, { type: 'system.ping', payload: { requestedBy: actor.userId }, correlationId: actor.correlationId }),
    );
    return { outboxId };
  }
}
