/**
 * The blind index of identity documents, and its re-index after the blind-index key rotated (`npm run keys:reindex`).
 *
 * Each row records the key that made its digest (key_id). Look-ups use the digests under the current key and, while
 * LINTAS_PREVIOUS_BLIND_INDEX_KEY is set, under the previous one, so duplicates are found throughout the rotation.
 * The re-index walks the cases that still have a row not made with the current key, one case per transaction: it opens
 * the case's documents with the case's key and writes their digests again under the current key. The key_id column is
 * the progress: a run that crashes, or is stopped, is simply started again and continues with the cases left.
 */
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { runSql } from '../database/sql';
import { CaseBlindIndexEntity } from './case-blind-index.entity';
import { openIdentityField } from './case-identity';
import { CaseKeys } from './case-keys.service';
import { CaseEntity } from './case.entity';
import { casesLeftToReindex, casesToReindex } from './cases.queries';

type Document = { type: string; country: string; number: string };

/** Replaces a case's blind-index rows with digests of these documents under the current key, in the caller's transaction. */
export async function writeBlindIndex(em: EntityManager, crypto: CaseCryptoService, caseId: string, documents: Document[]): Promise<void> {
  await em.delete(CaseBlindIndexEntity, { caseId });
  if (documents.length === 0) return;
  const keyId = crypto.blindIndexKeyId;
  await em.insert(
    CaseBlindIndexEntity,
    documents.map((d) => ({ caseId, kind: 'identity_document', digest: crypto.documentIndex(d), keyId })),
  );
}

export interface ReindexResult {
  blindIndexKeyId: string;
  reindexed: number;
  /** Cases whose documents could not be opened (their master key is not configured): left as they are. */
  failed: string[];
  /** Cases still with a row not under the current key (the failed ones included). */
  remaining: number;
}

@Injectable()
export class CaseBlindIndexRotation {
  private readonly logger = new Logger(CaseBlindIndexRotation.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CaseCryptoService,
    private readonly keys: CaseKeys,
  ) {}

  /**
   * Re-indexes every case not yet under the current key, in keyset batches; `onProgress` hears each batch (the CLI
   * prints it). Safe to run while the API serves: a case changed meanwhile is written under the current key anyway.
   */
  async reindexAll(batchSize = 200, onProgress?: (done: number) => void): Promise<ReindexResult> {
    const current = this.crypto.blindIndexKeyId;
    let reindexed = 0;
    const failed: string[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const { rows } = await runSql(this.dataSource.manager, casesToReindex, [current, after, batchSize]);
      for (const { case_id: caseId } of rows) {
        if (await this.reindexCase(caseId)) reindexed += 1;
        else failed.push(caseId);
      }
      if (rows.length > 0) onProgress?.(reindexed);
      if (rows.length < batchSize) break;
      after = rows[rows.length - 1].case_id;
    }
    const remaining = Number((await runSql(this.dataSource.manager, casesLeftToReindex, [current])).rows[0].n);
    return { blindIndexKeyId: current, reindexed, failed, remaining };
  }

  /** One case in its own transaction, under a lock on its key row; false when its documents cannot be opened. */
  private async reindexCase(caseId: string): Promise<boolean> {
    try {
      return await this.dataSource.transaction(async (em) => {
        const record = await em.findOne(CaseEntity, { select: { id: true, identityDocuments: true }, where: { id: caseId } });
        const documents = await this.keys.withCaseKey(
          em,
          caseId,
          (key) => (record ? (openIdentityField<Document[]>(key, record, 'identityDocuments') ?? []) : []),
          { lock: true },
        );
        // No usable key: the identity was erased (its rows go with it) or the case is gone.
        await writeBlindIndex(em, this.crypto, caseId, documents ?? []);
        return true;
      });
    } catch (err) {
      if (err instanceof DomainError) {
        this.logger.warn({ caseId, code: err.code }, 'blind index not rebuilt for a case');
        return false;
      }
      throw err;
    }
  }
}
