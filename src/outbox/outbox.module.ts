import { Global, Module } from '@nestjs/common';
import { OutboxInlineHandlers } from './outbox-inline';
import { OutboxService } from './outbox.service';

@Global()
@Module({ providers: [OutboxService, OutboxInlineHandlers], exports: [OutboxService, OutboxInlineHandlers] })
export class OutboxModule {}
