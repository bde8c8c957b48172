/**
 * Signed audit checkpoints: a compact JWS (EdDSA, the node's Ed25519 key) over the RFC 8785 JSON
 * {chainSeq, headHash, createdAt, node}. The same key signs federation packets, so the protected header carries a
 * typ of its own and a checkpoint can never pass for a packet, or a packet for a checkpoint.
 */
import { KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { CompactSign, compactVerify } from 'jose';

export const CHECKPOINT_TYP = 'lintas-audit-checkpoint+jws';

export interface CheckpointPayload {
  chainSeq: number;
  headHash: string;
  /** ISO 8601, UTC, milliseconds. */
  createdAt: string;
  /** Key id of the signing node. */
  node: string;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function checkpointPayloadJson(payload: CheckpointPayload): string {
  return canonicalize({
    chainSeq: payload.chainSeq,
    headHash: payload.headHash,
    createdAt: payload.createdAt,
    node: payload.node,
  }) as string;
}

export async function signCheckpoint(payload: CheckpointPayload, signingKey: KeyObject, kid: string): Promise<string> {
  if (!Number.isSafeInteger(payload.chainSeq) || payload.chainSeq < 1) throw new Error('checkpoint sequence out of range');
  return new CompactSign(Buffer.from(checkpointPayloadJson(payload), 'utf8'))
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: CHECKPOINT_TYP })
    .sign(signingKey);
}

/**
 * The payload of a checkpoint signed by this node's key, or null when the JWS is malformed, signed by another key,
 * of another type, or not over a canonical checkpoint payload.
 */
export async function openCheckpoint(jws: string, publicKey: KeyObject, kid: string): Promise<CheckpointPayload | null> {
  if (typeof jws !== 'string' || jws.length > 4096 || !COMPACT_JWS.test(jws)) return null;
  try {
    const { payload, protectedHeader } = await compactVerify(jws, publicKey, { algorithms: ['EdDSA'] });
    if (protectedHeader.kid !== kid || protectedHeader.typ !== CHECKPOINT_TYP) return null;
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    const value = JSON.parse(text) as Partial<CheckpointPayload>;
    if (
      typeof value !== 'object' ||
      value === null ||
      !Number.isSafeInteger(value.chainSeq) ||
      (value.chainSeq as number) < 1 ||
      typeof value.headHash !== 'string' ||
      !HEX64.test(value.headHash) ||
      typeof value.createdAt !== 'string' ||
      !ISO_MS.test(value.createdAt) ||
      value.node !== kid
    ) {
      return null;
    }
    const parsed = value as CheckpointPayload;
    // Only the exact bytes the signer writes: no extra members, no other serialisation of the same values.
    return checkpointPayloadJson(parsed) === text ? parsed : null;
  } catch {
    return null;
  }
}
