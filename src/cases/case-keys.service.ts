import { Injectable, Logger } from '@nestjs/common';
import { createSecretKey, KeyObject } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { DomainError } from '../common/errors/domain-error';
import { rewrapInBatches } from '../crypto/rewrap-batches';
import { CaseCryptoService, WrappedKey } from '../crypto/case-crypto.service';
import { runSql } from '../database/sql';
import { CaseKeyEntity } from './case-key.entity';
import { keysNotRewrapped, keysToRewrap, rewrapKey } from './cases.queries';

export interface RewrapResult {
  masterKeyId: string;
  rewrapped: number;
  /** Cases whose data key could not be unwrapped with any configured master key (ids only); left as they were. */
  failed: string[];
  /** Keys still wrapped under another master key (0 after a successful run). */
  remaining: number;
}

/**
 * A case's data key, open for the length of one callback: it seals and opens values bound to the case and a field
 * name (the field name is the ciphertext's associated data). The key never leaves it, and it refuses to work once the
 * callback has ended (CaseKeys.use says where the key's bytes live meanwhile).
 */
export interface CaseKey {
  readonly caseId: string;
  seal(field: string, value: unknown): Buffer;
  /** Throws CASE_IDENTITY_UNREADABLE when the ciphertext fails authentication. */
  open<T>(field: string, sealed: Buffer): T;
  /** Null for no ciphertext; also null (with an ids-only warning) when it fails authentication. */
  openOrNull<T>(field: string, sealed: Buffer | null): T | null;
}

export interface WithCaseKeyOptions {
  /** Lock the key row (SELECT … FOR UPDATE) in the caller's transaction. */
  lock?: boolean;
  /** A key whose master key is not configured here: throw CASE_KEY_UNAVAILABLE (default), or answer null with a warning. */
  unavailable?: 'throw' | 'null';
}

/**
 * The one place a case's data key is loaded, unwrapped, used and wiped (envelope encryption: case-crypto.ts). Every
 * module that keeps text sealed under a case's key (the case's identity, break-glass reasons, consent withdrawal
 * reasons, restitution notes) goes through here; none reads case_keys itself. Erasing a case's identity destroys the
 * key (`destroy`), and with it everything sealed under it.
 */
@Injectable()
export class CaseKeys {
  private readonly logger = new Logger(CaseKeys.name);

  constructor(
    private readonly crypto: CaseCryptoService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** A fresh key for a new case: `fn` seals with it, the answer carries the wrapped form to store. */
  withNewKey<T>(caseId: string, fn: (key: CaseKey) => T): { result: T; wrapped: WrappedKey } {
    const { dataKey, wrapped } = this.crypto.newKey(caseId);
    return { result: this.use(caseId, dataKey, fn), wrapped };
  }

  /**
   * Loads the case's key, unwraps it, runs `fn`, wipes it. Null without calling `fn` when the case has no usable key:
   * its identity was erased (the key destroyed), or (with `unavailable: 'null'`) its master key is not configured.
   */
  async withCaseKey<T>(
    em: EntityManager,
    caseId: string,
    fn: (key: CaseKey) => T | Promise<T>,
    opts: WithCaseKeyOptions = {},
  ): Promise<T | null> {
    const row = await em.findOne(CaseKeyEntity, {
      select: { caseId: true, masterKeyId: true, wrappedKey: true },
      where: { caseId },
      ...(opts.lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
    if (!row?.wrappedKey) return null;
    return this.withWrappedKey(caseId, { masterKeyId: row.masterKeyId, wrappedKey: row.wrappedKey }, fn, opts);
  }

  /** As withCaseKey, for a wrapped key the caller already read with the case (the hot read of GET /cases/{id}). */
  async withWrappedKey<T>(
    caseId: string,
    wrapped: WrappedKey,
    fn: (key: CaseKey) => T | Promise<T>,
    opts: Pick<WithCaseKeyOptions, 'unavailable'> = {},
  ): Promise<T | null> {
    let dataKey: Buffer;
    try {
      dataKey = this.crypto.unwrap(caseId, wrapped);
    } catch (err) {
      if (opts.unavailable !== 'null' || !(err instanceof DomainError)) throw err;
      this.logger.warn({ caseId, code: err.code }, 'case data key unavailable; answered without the sealed text');
      return null;
    }
    return this.use(caseId, dataKey, fn);
  }

  /** A value sealed under the case's key; null when the case has no usable key (see withCaseKey). */
  seal(em: EntityManager, caseId: string, field: string, value: unknown, opts: WithCaseKeyOptions = {}): Promise<Buffer | null> {
    return this.withCaseKey(em, caseId, (key) => key.seal(field, value), opts);
  }

  /** A sealed value opened; null when there is none, no usable key, or it fails authentication (warned, ids only). */
  async open<T>(em: EntityManager, caseId: string, field: string, sealed: Buffer | null): Promise<T | null> {
    if (!sealed) return null;
    return this.withCaseKey(em, caseId, (key) => key.openOrNull<T>(field, sealed), { unavailable: 'null' });
  }

  /**
   * Crypto-shredding: nulls the wrapped key and stamps destroyed_at, under a row lock, in the caller's transaction.
   * False when there was no usable key to destroy (already erased).
   */
  async destroy(em: EntityManager, caseId: string): Promise<boolean> {
    const row = await em.findOne(CaseKeyEntity, {
      select: { caseId: true, wrappedKey: true },
      where: { caseId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!row?.wrappedKey) return false;
    await em.update(CaseKeyEntity, { caseId }, { wrappedKey: null, destroyedAt: new Date() });
    return true;
  }

  /**
   * Re-wraps every data key not under the current master key (npm run keys:rewrap), in keyset batches of their own
   * transactions, so a key that cannot be unwrapped is reported once and the run moves on. Field ciphertext is untouched.
   */
  async rewrapAll(batchSize = 500): Promise<RewrapResult> {
    const current = this.crypto.currentMasterKeyId;
    const { rewrapped, failed } = await rewrapInBatches(
      this.dataSource,
      this.crypto,
      {
        read: async (em, key, after, limit) =>
          (await runSql(em, keysToRewrap, [key, after, limit])).rows.map((r) => ({
            id: r.case_id,
            masterKeyId: r.master_key_id,
            wrappedKey: r.wrapped_key,
          })),
        write: async (em, caseId, next) => void (await runSql(em, rewrapKey, [caseId, next.masterKeyId, next.wrappedKey])),
      },
      batchSize,
    );
    const { rows } = await runSql(this.dataSource.manager, keysNotRewrapped, [current]);
    return { masterKeyId: current, rewrapped, failed, remaining: rows[0].remaining };
  }

  /**
   * Runs `fn` with the key open and closes it after, also when `fn` throws or its promise rejects. The bytes passed in
   * are wiped before `fn` runs: `fn` uses a KeyObject copy (eight ciphertexts cost a fifth as much CPU: aead.ts), which
   * this drops when it closes and OpenSSL clears when it is collected (node's ByteSource frees with OPENSSL_clear_free),
   * not at once. A closed key refuses to seal or open. A process whose memory can be read holds the master keys anyway,
   * which open every case.
   */
  private use<T>(caseId: string, dataKey: Buffer, fn: (key: CaseKey) => T): T {
    let keyObject: KeyObject | undefined;
    try {
      keyObject = createSecretKey(dataKey);
    } finally {
      dataKey.fill(0);
    }
    const usable = (): KeyObject => {
      if (!keyObject) throw new Error('a case key was used after it was closed');
      return keyObject;
    };
    const key: CaseKey = {
      caseId,
      seal: (field, value) => this.crypto.encrypt(usable(), caseId, field, value),
      open: <V>(field: string, sealed: Buffer) => this.crypto.decrypt<V>(usable(), caseId, field, sealed),
      openOrNull: <V>(field: string, sealed: Buffer | null): V | null => {
        if (!sealed) return null;
        try {
          return this.crypto.decrypt<V>(usable(), caseId, field, sealed);
        } catch (err) {
          if (!(err instanceof DomainError)) throw err;
          // Tampering or a ciphertext copied from another record: answer without it, and tell an operator (ids only).
          this.logger.warn({ caseId, field: field.split(':')[0], code: err.code }, 'sealed text failed authentication');
          return null;
        }
      },
    };
    const close = (): void => {
      keyObject = undefined;
    };
    let result: T;
    try {
      result = fn(key);
    } catch (err) {
      close();
      throw err;
    }
    if (result instanceof Promise) return result.finally(close) as T;
    close();
    return result;
  }
}
