import { Global, Module } from '@nestjs/common';
import { CaseCryptoService } from './case-crypto.service';

@Global()
@Module({ providers: [CaseCryptoService], exports: [CaseCryptoService] })
export class CryptoModule {}
