import { Global, Module } from '@nestjs/common';
import { CaseCryptoService } from './case-crypto.service';
import { RecordCryptoService } from './record-crypto.service';

@Global()
@Module({ providers: [CaseCryptoService, RecordCryptoService], exports: [CaseCryptoService, RecordCryptoService] })
export class CryptoModule {}
