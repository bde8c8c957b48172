import { Global, Module } from '@nestjs/common';
import { ConsentPermitReader } from '../disclosure/consent-port';
import { ConsentService } from './consent.service';

/**
 * The consent loader and evaluator (ConsentService), in the API and in the worker; it is the disclosure gate's
 * ConsentPermitReader (the gate's port). Global, so that the gate's module need not import consent, which sits above it.
 */
@Global()
@Module({
  providers: [ConsentService, { provide: ConsentPermitReader, useExisting: ConsentService }],
  exports: [ConsentService, ConsentPermitReader],
})
export class ConsentModule {}
