/**
 * The data keys of stored inbound partner packets (federation_inbound_referrals), re-wrapped under the current master
 * key by `npm run keys:rewrap` beside the case keys. A recalled packet has no key left and is skipped. The packet's
 * ciphertext is untouched.
 */
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CaseCryptoService } from '../crypto/case-crypto.service';
import { rewrapInBatches } from '../crypto/rewrap-batches';
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
    // The associated data of a packet's key is its row id, as for a case's key and its case id.
    const { rewrapped, failed } = await rewrapInBatches(
      this.dataSource,
      this.crypto,
      {
        read: async (em, key, after, limit) =>
          (await runSql(em, inboundKeysToRewrap, [key, after, limit])).rows.map((r) => ({
            id: r.id,
            masterKeyId: r.master_key_id,
            wrappedKey: r.wrapped_key,
          })),
        write: async (em, id, next) => void (await runSql(em, rewrapInboundKey, [id, next.masterKeyId, next.wrappedKey])),
      },
      batchSize,
    );
    const [{ remaining }] = (await runSql(this.dataSource.manager, inboundKeysNotRewrapped, [current])).rows;
    return { masterKeyId: current, rewrapped, failed, remaining };
  }
}
