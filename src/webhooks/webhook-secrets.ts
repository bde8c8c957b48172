/**
 * A subscription's signing secret, sealed under the master key (AES-256-GCM, src/crypto/aead.ts). The associated data
 * names the subscription and the key, so a sealed secret copied onto another subscription does not open.
 */
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { open, seal } from '../crypto/aead';

const aad = (subscriptionId: string, keyId: string) => Buffer.from(`lintas/webhook-secret/v1|${subscriptionId}|${keyId}`, 'utf8');

@Injectable()
export class WebhookSecrets {
  constructor(private readonly config: AppConfig) {}

  seal(subscriptionId: string, secret: string): { sealed: Buffer; keyId: string } {
    const { id, key } = this.config.crypto.masterKey;
    return { sealed: seal(key, Buffer.from(secret, 'utf8'), aad(subscriptionId, id)), keyId: id };
  }

  open(subscriptionId: string, sealed: Buffer, keyId: string): string {
    const master = [this.config.crypto.masterKey, ...this.config.crypto.previousMasterKeys].find((k) => k.id === keyId);
    if (!master) throw new Error('the master key a webhook secret is sealed under is not configured');
    return open(master.key, sealed, aad(subscriptionId, keyId)).toString('utf8');
  }
}
