/**
 * The data keys of stored inbound partner packets (federation_inbound_referrals), re-wrapped under the current master
 * key by `npm run keys:rewrap` beside the case keys. A recalled packet has no key left and is skipped. The packet's
 * ciphertext is untouched.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { CaseCryptoService, WrappedKey } from '../crypto/case-crypto.service';
import { runSql } from '../database/sql';
import { inboundKeysNotRewrapped, inboundKeysToRewrap, rewrapInboundKey } from './federation.queries';

export interface InboundRewrapResult {
  masterKeyId: string;
  rewrapped: number;
  /** Packets whose key no configured master key unwraps (row ids only); left as they were. */
  failed: string[];
  remaining: number;
}

@Injectable()
export class InboundPacketKeys {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CaseCryptoService,
  ) {}

  /** Keyset batches, each in its own transaction (rows locked, SKIP LOCKED), so a run can be stopped and started again. */
  async rewrapAll(batchSize = 500): Promise<InboundRewrapResult> {
    const current = this.crypto.currentMasterKeyId;
    let rewrapped = 0;
    const failed: string[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.dataSource.transaction(async (em) => {
        const { rows: batch } = await runSql(em, inboundKeysToRewrap, [current, after, batchSize]);
        for (const row of batch) {
          let next: WrappedKey;
          try {
            // The associated data of a packet's key is its row id, as for a case's key and its case id.
            next = this.crypto.rewrap(row.id, { masterKeyId: row.master_key_id, wrappedKey: row.wrapped_key });
          } catch (err) {
            if (err instanceof DomainError && err.code === 'CASE_KEY_UNAVAILABLE') {
              failed.push(row.id);
              continue;
            }
            throw err;
          }
          await runSql(em, rewrapInboundKey, [row.id, next.masterKeyId, next.wrappedKey]);
          rewrapped += 1;
        }
        return batch;
      });
      if (rows.length < batchSize) break;
      after = rows[rows.length - 1].id;
    }
    const [{ remaining }] = (await runSql(this.dataSource.manager, inboundKeysNotRewrapped, [current])).rows;
    return { masterKeyId: current, rewrapped, failed, remaining };
  }
}
