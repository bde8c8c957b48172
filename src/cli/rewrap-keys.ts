/**
 * `npm run keys:rewrap`: re-wraps every case data key, and the data key of every stored inbound partner packet, under
 * the current master key (LINTAS_MASTER_KEY), unwrapping with whichever configured key (LINTAS_PREVIOUS_MASTER_KEYS)
 * wrapped it. Ciphertext is never touched, so the run is quick and safe to repeat or interrupt. Once it reports
 * `remaining: 0` (cases and packets together), the previous master keys can be removed from the configuration (and
 * destroyed), which also finishes the crypto-shredding of erased cases in backups.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module';
import { AuditService } from '../audit/audit.service';
import { DomainError } from '../common/errors/domain-error';
import { ConfigModule } from '../config/config.module';
import { ConfigurationError } from '../config/env.validation';
import { CaseKeys, RewrapResult } from '../cases/case-keys.service';
import { CryptoModule } from '../crypto/crypto.module';
import { DatabaseModule } from '../database/database.module';
import { InboundPacketKeys, InboundRewrapResult } from '../federation/inbound-packet-keys';

/** The case keys' result; `remaining` counts the inbound packets too, and `inboundPackets` details them. */
export type RewrapReport = RewrapResult & { inboundPackets: Omit<InboundRewrapResult, 'masterKeyId'> };

/** Re-wraps every key (CaseKeys.rewrapAll, InboundPacketKeys.rewrapAll) and records the run in the audit log. */
export async function rewrapCaseKeys(
  keys: CaseKeys,
  packets: InboundPacketKeys,
  dataSource: DataSource,
  audit: AuditService,
  batchSize = 500,
): Promise<RewrapReport> {
  const cases = await keys.rewrapAll(batchSize);
  const { masterKeyId: _id, ...inbound } = await packets.rewrapAll(batchSize);
  const result: RewrapReport = { ...cases, remaining: cases.remaining + inbound.remaining, inboundPackets: inbound };
  await dataSource.transaction((em) =>
    audit.record(em, null, {
      action: 'crypto.rewrap_case_keys',
      recordType: 'case_keys',
      details: {
        masterKeyId: result.masterKeyId,
        rewrapped: cases.rewrapped,
        failed: cases.failed.length,
        remaining: result.remaining,
        inboundPackets: { rewrapped: inbound.rewrapped, failed: inbound.failed.length, remaining: inbound.remaining },
      },
    }),
  );
  return result;
}

/** Just what the command needs: configuration, the database, the audit log and the keys. No HTTP, no Redis. */
@Module({ imports: [ConfigModule, DatabaseModule, AuditModule, CryptoModule], providers: [CaseKeys, InboundPacketKeys] })
class RewrapCommandModule {}

async function main(): Promise<number> {
  const app = await NestFactory.createApplicationContext(RewrapCommandModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    const result = await rewrapCaseKeys(app.get(CaseKeys), app.get(InboundPacketKeys), app.get(DataSource), app.get(AuditService));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return result.remaining === 0 ? 0 : 1;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      if (err instanceof ConfigurationError || err instanceof DomainError) {
        const detail = err instanceof DomainError && err.details ? ` ${JSON.stringify(err.details)}` : '';
        process.stderr.write(`lintas keys:rewrap: ${err.message}${detail}\n`);
        process.exit(err instanceof ConfigurationError ? 78 : 1);
      }
      process.stderr.write(`lintas keys:rewrap: failed: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
