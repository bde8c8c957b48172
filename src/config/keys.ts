/**
 * Secrets Lintas needs: the access-token signing key (ES256), the data-encryption master key(s), the blind-index key and
 * the node's Ed25519 signing key. In production each must come from the environment and be strong, or the boot stops
 * naming the variable. Elsewhere a missing one is generated once into the ignored local folder, with a warning.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from './env.validation';

export interface MasterKey {
  id: string;
  key: Buffer;
}

export interface ResolvedKeys {
  jwtPrivateKey: KeyObject;
  masterKey: MasterKey;
  previousMasterKeys: MasterKey[];
  blindIndexKey: Buffer;
  nodeSigningKey: KeyObject;
  generated: string[];
}

interface KeySources {
  production: boolean;
  localDir: string;
  JWT_PRIVATE_KEY?: string;
  LINTAS_MASTER_KEY?: string;
  LINTAS_PREVIOUS_MASTER_KEYS?: string;
  LINTAS_BLIND_INDEX_KEY?: string;
  NODE_SIGNING_KEY?: string;
}

function pem(value: string): string {
  // Environment files often carry PEM with literal \n.
  return value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
}

function weakBytes(buf: Buffer): boolean {
  return buf.length !== 32 || new Set(buf).size < 8;
}

export function parseMasterKey(variable: string, value: string): MasterKey {
  const idx = value.indexOf(':');
  if (idx < 1) throw new ConfigurationError(`${variable} must be "<key id>:<32 bytes in base64>"`);
  const id = value.slice(0, idx).trim();
  const key = Buffer.from(value.slice(idx + 1).trim(), 'base64');
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(id)) throw new ConfigurationError(`${variable} has an invalid key id`);
  if (weakBytes(key)) throw new ConfigurationError(`${variable} must hold 32 random bytes in base64 (it is missing, short or weak)`);
  return { id, key };
}

function parseSecretBytes(variable: string, value: string): Buffer {
  const key = Buffer.from(value.trim(), 'base64');
  if (weakBytes(key)) throw new ConfigurationError(`${variable} must hold 32 random bytes in base64 (it is missing, short or weak)`);
  return key;
}

function parseEcKey(variable: string, value: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem(value));
  } catch {
    throw new ConfigurationError(`${variable} is not a readable PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new ConfigurationError(`${variable} must be an EC P-256 private key (ES256)`);
  }
  return key;
}

function parseEd25519Key(variable: string, value: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem(value));
  } catch {
    throw new ConfigurationError(`${variable} is not a readable PEM private key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new ConfigurationError(`${variable} must be an Ed25519 private key`);
  return key;
}

/** Reads a generated key from the local folder, creating it on first use. */
function localKey(dir: string, file: string, make: () => string, generated: string[], variable: string): string {
  const path = join(dir, file);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(path, make(), { mode: 0o600 });
    generated.push(`${variable} (new, in ${path})`);
  } else {
    generated.push(`${variable} (from ${path})`);
  }
  return readFileSync(path, 'utf8');
}

export function resolveKeys(src: KeySources): ResolvedKeys {
  const generated: string[] = [];
  const dir = join(src.localDir, 'keys');
  const need = (variable: keyof KeySources): void => {
    if (src.production && !src[variable]) {
      throw new ConfigurationError(`${variable} is required when NODE_ENV=production`);
    }
  };
  (['JWT_PRIVATE_KEY', 'LINTAS_MASTER_KEY', 'LINTAS_BLIND_INDEX_KEY', 'NODE_SIGNING_KEY'] as const).forEach(need);

  const jwtPrivateKey = parseEcKey(
    'JWT_PRIVATE_KEY',
    src.JWT_PRIVATE_KEY ??
      localKey(
        dir,
        'jwt-es256.pem',
        () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        generated,
        'JWT_PRIVATE_KEY',
      ),
  );
  const masterKey = parseMasterKey(
    'LINTAS_MASTER_KEY',
    src.LINTAS_MASTER_KEY ??
      localKey(dir, 'master.key', () => `local1:${randomBytes(32).toString('base64')}`, generated, 'LINTAS_MASTER_KEY'),
  );
  const previousMasterKeys = (src.LINTAS_PREVIOUS_MASTER_KEYS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => parseMasterKey('LINTAS_PREVIOUS_MASTER_KEYS', s));
  const blindIndexKey = parseSecretBytes(
    'LINTAS_BLIND_INDEX_KEY',
    src.LINTAS_BLIND_INDEX_KEY ??
      localKey(dir, 'blind-index.key', () => randomBytes(32).toString('base64'), generated, 'LINTAS_BLIND_INDEX_KEY'),
  );
  const nodeSigningKey = parseEd25519Key(
    'NODE_SIGNING_KEY',
    src.NODE_SIGNING_KEY ??
      localKey(
        dir,
        'node-ed25519.pem',
        () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        generated,
        'NODE_SIGNING_KEY',
      ),
  );
  if (previousMasterKeys.some((k) => k.id === masterKey.id)) {
    throw new ConfigurationError('LINTAS_PREVIOUS_MASTER_KEYS repeats the key id of LINTAS_MASTER_KEY');
  }
  return { jwtPrivateKey, masterKey, previousMasterKeys, blindIndexKey, nodeSigningKey, generated };
}

/** A short, stable id for a public key: a SHA-256 thumbprint of its SPKI form. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('base64url')
    .slice(0, 16);
}
