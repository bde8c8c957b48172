/**
 * `npm run keys:reindex`: after the blind-index key rotated (LINTAS_BLIND_INDEX_KEY new, the old one in
 * LINTAS_PREVIOUS_BLIND_INDEX_KEY), writes every case's document digests again under the new key. Each case is its own
 * transaction and each row records its key, so the run can be interrupted (a crash, a deploy) and started again: it
 * continues with the cases left. Prints one progress line per batch on stderr and the result as JSON on stdout; exits
 * 0 when nothing is left, 1 otherwise. Once it reports `remaining: 0`, remove LINTAS_PREVIOUS_BLIND_INDEX_KEY.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { AuditModule } from '../audit/audit.module';
import { AuditService } from '../audit/audit.service';
import { CaseBlindIndexRotation, ReindexResult } from '../cases/case-blind-index';
import { CaseKeys } from '../cases/case-keys.service';
import { DomainError } from '../common/errors/domain-error';
import { ConfigModule } from '../config/config.module';
import { ConfigurationError } from '../config/env.validation';
import { CryptoModule } from '../crypto/crypto.module';
import { DatabaseModule } from '../database/database.module';

/** Re-indexes what is left and records the run in the audit log (counts only). */
export async function reindexBlindIndex(
  rotation: CaseBlindIndexRotation,
  dataSource: DataSource,
  audit: AuditService,
  onProgress?: (done: number) => void,
  batchSize = 200,
): Promise<ReindexResult> {
  const result = await rotation.reindexAll(batchSize, onProgress);
  await dataSource.transaction((em) =>
    audit.record(em, null, {
      action: 'crypto.reindex_blind_index',
      recordType: 'case_blind_indexes',
      details: {
        blindIndexKeyId: result.blindIndexKeyId,
        reindexed: result.reindexed,
        failed: result.failed.length,
        remaining: result.remaining,
      },
    }),
  );
  return result;
}

@Module({ imports: [ConfigModule, DatabaseModule, AuditModule, CryptoModule], providers: [CaseKeys, CaseBlindIndexRotation] })
class ReindexCommandModule {}

async function main(): Promise<number> {
  const app = await NestFactory.createApplicationContext(ReindexCommandModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    const result = await reindexBlindIndex(app.get(CaseBlindIndexRotation), app.get(DataSource), app.get(AuditService), (done) =>
      process.stderr.write(`lintas keys:reindex: ${done} cases re-indexed\n`),
    );
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
        process.stderr.write(`lintas keys:reindex: ${err.message}\n`);
        process.exit(err instanceof ConfigurationError ? 78 : 1);
      }
      process.stderr.write(`lintas keys:reindex: failed: ${(err as Error)?.message ?? String(err)}\n`);
      process.exit(1);
    },
  );
}
