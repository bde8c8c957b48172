import { Module } from '@nestjs/common';
import { ConsentService } from './consent.service';

/**
 * The consent loader and evaluator (ConsentService) for the disclosure gate, in the API and in the worker. Its own file
 * so that the gate's module and the consent API's module (which asks the gate) do not import each other.
 */
@Module({ providers: [ConsentService], exports: [ConsentService] })
export class ConsentModule {}
