import { Module } from '@nestjs/common';
import { FederationCoreModule } from './federation-core.module';
import { FederationProcessor } from './federation.processor';

/** The worker's federation: the federation queue (replay-table purge). */
@Module({ imports: [FederationCoreModule], providers: [FederationProcessor] })
export class FederationWorkerModule {}
