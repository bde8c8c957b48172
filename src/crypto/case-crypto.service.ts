import { Injectable } from '@nestjs/common';
import { createSecretKey, KeyObject } from 'node:crypto';
import { DomainError } from '../common/errors/domain-error';
import { AppConfig } from '../config/app-config';
import { MasterKey } from '../config/keys';
import { AeadKey, DecryptionError } from './aead';
import { blindIndex, decryptField, encryptField, newDataKey, unwrapDataKey, wrapDataKey } from './case-crypto';

export interface WrappedKey {
  masterKeyId: string;
  wrappedKey: Buffer;
}

/**
 * The case crypto bound to the configured master keys (current + previous) and blind-index keys, held as KeyObjects
 * (cheaper per call than bytes on Node 24: aead.ts).
 */
@Injectable()
export class CaseCryptoService {
  private readonly masterKeys: Map<string, KeyObject>;
  private readonly blindIndexKey: KeyObject;
  private readonly previousBlindIndexKey: KeyObject | null;

  constructor(private readonly config: AppConfig) {
    this.masterKeys = new Map<string, KeyObject>(
      [config.crypto.masterKey, ...config.crypto.previousMasterKeys].map((k: MasterKey) => [k.id, createSecretKey(k.key)]),
    );
    this.blindIndexKey = createSecretKey(config.crypto.blindIndexKey);
    const previous = config.crypto.previousBlindIndexKey;
    this.previousBlindIndexKey = previous ? createSecretKey(previous.key) : null;
  }

  get currentMasterKeyId(): string {
    return this.config.crypto.masterKey.id;
  }

  /** A fresh data key and its wrapped form under the current master key. */
  newKey(caseId: string): { dataKey: Buffer; wrapped: WrappedKey } {
    const dataKey = newDataKey();
    const id = this.currentMasterKeyId;
    return { dataKey, wrapped: { masterKeyId: id, wrappedKey: wrapDataKey(this.masterKeys.get(id)!, id, caseId, dataKey) } };
  }

  unwrap(caseId: string, wrapped: WrappedKey): Buffer {
    const master = this.masterKeys.get(wrapped.masterKeyId);
    if (!master) {
      throw new DomainError('CASE_KEY_UNAVAILABLE', 'The master key that protects this case is not configured', {
        masterKeyId: wrapped.masterKeyId,
      });
    }
    try {
      return unwrapDataKey(master, wrapped.masterKeyId, caseId, wrapped.wrappedKey);
    } catch (err) {
      if (err instanceof DecryptionError) throw new DomainError('CASE_KEY_UNAVAILABLE', 'The data key of this case could not be unwrapped');
      throw err;
    }
  }

  /** Re-wraps a data key under the current master key; the field ciphertext is untouched. */
  rewrap(caseId: string, wrapped: WrappedKey): WrappedKey {
    const dataKey = this.unwrap(caseId, wrapped);
    try {
      const id = this.currentMasterKeyId;
      return { masterKeyId: id, wrappedKey: wrapDataKey(this.masterKeys.get(id)!, id, caseId, dataKey) };
    } finally {
      dataKey.fill(0);
    }
  }

  encrypt(dataKey: AeadKey, caseId: string, field: string, value: unknown): Buffer {
    return encryptField(dataKey, caseId, field, value);
  }

  decrypt<T>(dataKey: AeadKey, caseId: string, field: string, sealed: Buffer): T {
    try {
      return decryptField<T>(dataKey, caseId, field, sealed);
    } catch (err) {
      if (err instanceof DecryptionError)
        throw new DomainError('CASE_IDENTITY_UNREADABLE', 'A stored identity field failed authentication', { field });
      throw err;
    }
  }

  /** The digest to store: under the current blind-index key (its id is blindIndexKeyId). */
  documentIndex(doc: { type: string; country: string; number: string }): Buffer {
    return blindIndex(this.blindIndexKey, doc);
  }

  get blindIndexKeyId(): string {
    return this.config.crypto.blindIndexKeyId;
  }

  /**
   * The digests to look a document up by: under the current key and, while a rotation runs, the previous one, so a
   * case not yet re-indexed is still found as a duplicate.
   */
  documentLookups(doc: { type: string; country: string; number: string }): Buffer[] {
    const previous = this.previousBlindIndexKey;
    return [this.documentIndex(doc), ...(previous ? [blindIndex(previous, doc)] : [])];
  }
}
