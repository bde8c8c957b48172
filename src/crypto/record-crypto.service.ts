/**
 * Sealing for short-lived records that are not a case's (a stored answer to replay, say): AES-256-GCM under a key
 * derived from the master key for one purpose (HKDF-SHA256, info = "lintas/<purpose>/v1"), so a purpose's ciphertext
 * never opens under another purpose's key, and the associated data binds it to its row. The master key id is stored
 * beside the ciphertext; previous master keys still open what they sealed (rows live shorter than a rotation).
 */
import { Injectable } from '@nestjs/common';
import { createSecretKey, hkdfSync, KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { open, seal } from './aead';

export interface SealedRecord {
  masterKeyId: string;
  sealed: Buffer;
}

@Injectable()
export class RecordCryptoService {
  /** Derived keys as KeyObjects: cheaper per call than bytes on Node 24 (aead.ts). */
  private readonly derived = new Map<string, KeyObject>();
  private readonly masterKeys: Map<string, Buffer>;

  constructor(private readonly config: AppConfig) {
    this.masterKeys = new Map([config.crypto.masterKey, ...config.crypto.previousMasterKeys].map((k) => [k.id, k.key]));
  }

  private keyFor(purpose: string, masterKeyId: string): KeyObject | undefined {
    const name = `${purpose}|${masterKeyId}`;
    let key = this.derived.get(name);
    if (!key) {
      const master = this.masterKeys.get(masterKeyId);
      if (!master) return undefined;
      const raw = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `lintas/${purpose}/v1`, 32));
      key = createSecretKey(raw);
      raw.fill(0);
      this.derived.set(name, key);
    }
    return key;
  }

  seal(purpose: string, binding: string, value: unknown): SealedRecord {
    const masterKeyId = this.config.crypto.masterKey.id;
    const key = this.keyFor(purpose, masterKeyId)!;
    return { masterKeyId, sealed: seal(key, Buffer.from(JSON.stringify(value), 'utf8'), aad(purpose, binding, masterKeyId)) };
  }

  /** The value, or undefined when its master key is no longer configured. Tampered bytes throw DecryptionError. */
  open<T>(purpose: string, binding: string, record: SealedRecord): T | undefined {
    const key = this.keyFor(purpose, record.masterKeyId);
    if (!key) return undefined;
    return JSON.parse(open(key, record.sealed, aad(purpose, binding, record.masterKeyId)).toString('utf8')) as T;
  }
}

const aad = (purpose: string, binding: string, masterKeyId: string): Buffer =>
  Buffer.from(`lintas/${purpose}/v1|${binding}|${masterKeyId}`, 'utf8');
