/**
 * `npm run keys:rewrap`: re-wraps every case data key under the current master key (LINTAS_MASTER_KEY), unwrapping
 * with whichever configured key (LINTAS_PREVIOUS_MASTER_KEYS) wrapped it. Field ciphertext is never touched, so the
 * run is quick and safe to repeat or interrupt. Once it reports `remaining: 0`, the previous master keys can be
 * removed from the configuration (and destroyed), which also finishes the crypto-shredding of erased cases in backups.
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
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { CryptoModule } from '../crypto/crypto.module';
import { DatabaseModule } from '../database/database.module';

export interface RewrapResult {
  masterKeyId: string;
  rewrapped: number;
  /** Cases whose data key could not be unwrapped with any configured master key (ids only); left as they were. */
  failed: string[];
  /** Keys still wrapped under another master key (0 after a successful run). */
  remaining: number;
}

interface KeyRow {
  case_id: string;
  master_key_id: string;
  wrapped_key: Buffer;
}

export async function rewrapCaseKeys(dataSource: DataSource, crypto: CaseCryptoService, audit: AuditService, batchSize = 500): Promise<RewrapResult> {
  const current = crypto.currentMasterKeyId;
  let rewrapped = 0;
  const failed: string[] = [];
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await dataSource.transaction(async (em) => {
      // Keyset over case ids, so a key that cannot be unwrapped is reported once and the run moves on. SKIP LOCKED: a
      // case being changed right now is picked up by the next run.
      const batch: KeyRow[] = await em.query(
        `SELECT case_id, master_key_id, wrapped_key FROM case_keys
          WHERE wrapped_key IS NOT NULL AND master_key_id <> $1 AND case_id > $2
          ORDER BY case_id LIMIT $3 FOR UPDATE SKIP LOCKED`,
        [current, after, batchSize],
      );
      for (const row of batch) {
        let next;
        try {
          next = crypto.rewrap(row.case_id, { masterKeyId: row.master_key_id, wrappedKey: row.wrapped_key });
        } catch (err) {
          if (err instanceof DomainError && err.code === 'CASE_KEY_UNAVAILABLE') {
            failed.push(row.case_id);
            continue;
          }
          throw err;
        }
        await em.query(`UPDATE case_keys SET master_key_id = $2, wrapped_key = $3, rewrapped_at = now() WHERE case_id = $1`, [
          row.case_id,
          next.masterKeyId,
          next.wrappedKey,
        ]);
        rewrapped += 1;
      }
      return batch;
    });
    if (rows.length > 0) after = rows[rows.length - 1].case_id;
    if (rows.length < batchSize) break;
  }
  const [{ remaining }] = await dataSource.query(
    `SELECT count(*)::int AS remaining FROM case_keys WHERE wrapped_key IS NOT NULL AND master_key_id <> $1`,
    [current],
  );
  await dataSource.transaction((em) =>
    audit.record(em, null, {
      action: 'crypto.rewrap_case_keys',
      recordType: 'case_keys',
      details: { masterKeyId: current, rewrapped, failed: failed.length, remaining },
    }),
  );
  return { masterKeyId: current, rewrapped, failed, remaining };
}

/** Just what the command needs: configuration, the database, the audit log and the case crypto. No HTTP, no Redis. */
@Module({ imports: [ConfigModule, DatabaseModule, AuditModule, CryptoModule] })
class RewrapCommandModule {}

async function main(): Promise<number> {
  const app = await NestFactory.createApplicationContext(RewrapCommandModule, { logger: ['error', 'warn'], abortOnError: false });
  try {
    const result = await rewrapCaseKeys(app.get(DataSource), app.get(CaseCryptoService), app.get(AuditService));
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
