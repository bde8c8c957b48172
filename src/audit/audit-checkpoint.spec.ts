import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { CompactSign, compactVerify, importJWK } from 'jose';
import { keyId } from '../config/keys';
import { CHECKPOINT_TYP, CheckpointPayload, checkpointPayloadJson, openCheckpoint, signCheckpoint } from './audit-checkpoint';

import type { JWK } from 'jose';

const { privateKey } = generateKeyPairSync('ed25519');
const publicKey = createPublicKey(privateKey);
const kid = keyId(publicKey);
const payload: CheckpointPayload = { chainSeq: 42, headHash: 'ab'.repeat(32), createdAt: '2026-11-30T08:00:00.123Z', node: kid };

describe('audit checkpoints', () => {
  it('signs a compact EdDSA JWS over the canonical payload, checkable with the public JWK alone', async () => {
    const jws = await signCheckpoint(payload, privateKey, kid);
    const jwk = { ...publicKey.export({ format: 'jwk' }), alg: 'EdDSA' } as JWK;
    const { payload: bytes, protectedHeader } = await compactVerify(jws, await importJWK(jwk, 'EdDSA'));
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid, typ: CHECKPOINT_TYP });
    expect(Buffer.from(bytes).toString('utf8')).toBe(
      `{"chainSeq":42,"createdAt":"2026-11-30T08:00:00.123Z","headHash":"${'ab'.repeat(32)}","node":"${kid}"}`,
    );
    expect(await openCheckpoint(jws, publicKey, kid)).toEqual(payload);
  });

  it('rejects a tampered signature, a tampered payload and another key', async () => {
    const jws = await signCheckpoint(payload, privateKey, kid);
    const [h, p, s] = jws.split('.');
    const flipped = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
    expect(await openCheckpoint(flipped, publicKey, kid)).toBeNull();
    const otherPayload = Buffer.from(checkpointPayloadJson({ ...payload, chainSeq: 43 })).toString('base64url');
    expect(await openCheckpoint(`${h}.${otherPayload}.${s}`, publicKey, kid)).toBeNull();
    const other = generateKeyPairSync('ed25519');
    const foreign = await signCheckpoint({ ...payload, node: keyId(other.publicKey) }, other.privateKey, keyId(other.publicKey));
    expect(await openCheckpoint(foreign, publicKey, kid)).toBeNull();
    expect(await openCheckpoint('not.a.jws', publicKey, kid)).toBeNull();
  });

  it('does not accept something else signed by the same node key (a federation packet, say)', async () => {
    const bytes = Buffer.from(checkpointPayloadJson(payload));
    const untyped = await new CompactSign(bytes).setProtectedHeader({ alg: 'EdDSA', kid }).sign(privateKey);
    expect(await openCheckpoint(untyped, publicKey, kid)).toBeNull();
    const loose = await new CompactSign(
      Buffer.from(JSON.stringify({ node: kid, chainSeq: 42, headHash: payload.headHash, createdAt: payload.createdAt })),
    )
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: CHECKPOINT_TYP })
      .sign(privateKey);
    expect(await openCheckpoint(loose, publicKey, kid)).toBeNull();
  });
});
