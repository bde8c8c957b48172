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

/** A retired node signing key: its public half, kept so that what it signed (checkpoints, packets) still verifies. */
export interface PreviousNodeKey {
  publicKey: KeyObject;
  /** Until when partners should accept packets signed with it (null: no end announced). Checkpoints verify forever. */
  validUntil: Date | null;
}

export interface ResolvedKeys {
  jwtPrivateKey: KeyObject;
  /** Public halves of earlier access-token keys: tokens they signed verify until they expire. */
  previousJwtPublicKeys: KeyObject[];
  masterKey: MasterKey;
  previousMasterKeys: MasterKey[];
  blindIndexKey: Buffer;
  /** The blind-index key before the current one, while `keys:reindex` moves the rows to the current key. */
  previousBlindIndexKey: Buffer | null;
  nodeSigningKey: KeyObject;
  previousNodeKeys: PreviousNodeKey[];
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
  JWT_PREVIOUS_PUBLIC_KEYS?: string;
  LINTAS_PREVIOUS_BLIND_INDEX_KEY?: string;
  NODE_PREVIOUS_PUBLIC_KEYS?: string;
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
  const previousJwtPublicKeys = parsePreviousEcKeys(src.JWT_PREVIOUS_PUBLIC_KEYS ?? '');
  const previousBlindIndexKey = src.LINTAS_PREVIOUS_BLIND_INDEX_KEY?.trim()
    ? parseSecretBytes('LINTAS_PREVIOUS_BLIND_INDEX_KEY', src.LINTAS_PREVIOUS_BLIND_INDEX_KEY)
    : null;
  if (previousBlindIndexKey?.equals(blindIndexKey)) {
    throw new ConfigurationError('LINTAS_PREVIOUS_BLIND_INDEX_KEY is the same key as LINTAS_BLIND_INDEX_KEY');
  }
  const previousNodeKeys = parsePreviousNodeKeys(src.NODE_PREVIOUS_PUBLIC_KEYS ?? '');
  const currentNodeKid = keyId(nodeSigningKey);
  if (previousNodeKeys.some((k) => keyId(k.publicKey) === currentNodeKid)) {
    throw new ConfigurationError('NODE_PREVIOUS_PUBLIC_KEYS repeats the public key of NODE_SIGNING_KEY');
  }
  const currentJwtKid = keyId(jwtPrivateKey);
  if (previousJwtPublicKeys.some((k) => keyId(k) === currentJwtKid)) {
    throw new ConfigurationError('JWT_PREVIOUS_PUBLIC_KEYS repeats the public key of JWT_PRIVATE_KEY');
  }
  return {
    jwtPrivateKey,
    previousJwtPublicKeys,
    masterKey,
    previousMasterKeys,
    blindIndexKey,
    previousBlindIndexKey,
    nodeSigningKey,
    previousNodeKeys,
    generated,
  };
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;

/** Earlier ES256 keys, as one or more PEM blocks (public keys, or the old private keys: only the public half is kept). */
export function parsePreviousEcKeys(value: string, variable = 'JWT_PREVIOUS_PUBLIC_KEYS'): KeyObject[] {
  const text = pem(value).trim();
  if (!text) return [];
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new ConfigurationError(`${variable} must hold one or more PEM public keys`);
  if (blocks.length > 5) throw new ConfigurationError(`${variable} holds more than 5 keys`);
  return blocks.map((block) => {
    let key: KeyObject;
    try {
      key = createPublicKey(block);
    } catch {
      throw new ConfigurationError(`${variable} holds a key that is not a readable PEM key`);
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new ConfigurationError(`${variable} must hold EC P-256 keys (ES256)`);
    }
    return key;
  });
}

/**
 * Retired node keys: "<x>[@<valid until, ISO 8601>]" comma-separated, where x is the JWK `x` (base64url) of the Ed25519
 * public key, as the JWKS served it. The date tells partners until when packets signed with it are accepted.
 */
export function parsePreviousNodeKeys(value: string, variable = 'NODE_PREVIOUS_PUBLIC_KEYS'): PreviousNodeKey[] {
  const items = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length > 5) throw new ConfigurationError(`${variable} holds more than 5 keys`);
  return items.map((item) => {
    const m = /^([A-Za-z0-9_-]{43})(?:@(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?(?:\.\d{1,3})?Z)?))?$/.exec(item);
    if (!m) throw new ConfigurationError(`${variable}: each key is "<Ed25519 public key x, base64url>[@<valid until, ISO 8601 UTC>]"`);
    let publicKey: KeyObject;
    try {
      publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: m[1] }, format: 'jwk' });
    } catch {
      throw new ConfigurationError(`${variable} holds a key that is not an Ed25519 public key`);
    }
    const validUntil = m[2] ? new Date(m[2]) : null;
    if (validUntil && Number.isNaN(validUntil.getTime())) throw new ConfigurationError(`${variable} holds an invalid date`);
    return { publicKey, validUntil };
  });
}

/** A short id for a blind-index key, stored beside each digest so a re-index knows which rows are left. */
export function blindIndexKeyId(key: Buffer): string {
  return createHash('sha256').update('lintas.blind-index.kid|').update(key).digest('base64url').slice(0, 12);
}

/** A short, stable id for a public key: a SHA-256 thumbprint of its SPKI form. */
export function keyId(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ type: 'spki', format: 'der' }))
    .digest('base64url')
    .slice(0, 16);
}
