import { Global, Module } from '@nestjs/common';
import { CaseHoldings } from '../disclosure/case-holdings-port';
import { RestitutionHoldings } from './restitution-holdings';

/**
 * Binds the disclosure gate's CaseHoldings port to the restitution module. Global, so that the gate's module need not
 * import restitution, which sits above it; the API and the worker import it at their roots.
 */
@Global()
@Module({ providers: [{ provide: CaseHoldings, useClass: RestitutionHoldings }], exports: [CaseHoldings] })
export class RestitutionHoldingsModule {}
