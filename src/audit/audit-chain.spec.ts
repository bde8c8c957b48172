import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import {
  canonicalEvent,
  canonicalRow,
  chainRowOf,
  ChainWalker,
  CheckpointClaim,
  eventObject,
  EventTuple,
  GENESIS_HASH,
  hashEvent,
  hashRow,
  T,
} from './audit-chain';

const UUID_A = '6f1c2a0e-7a51-4a0b-9a0c-1f1b3c2d4e5f';
const UUID_B = '0a3b5c7d-1e2f-4a5b-8c9d-0e1f2a3b4c5d';

function event(i: number, overrides: Partial<Record<keyof typeof T, string | null>> = {}): EventTuple {
  const t: EventTuple = [
    null as unknown as string, // chain_seq, set when sealed
    String(100 + i),
    `2026-11-30T08:00:${String(i % 60).padStart(2, '0')}.${String(123456 + i).slice(-6)}Z`,
    UUID_A,
    UUID_B,
    'supervisor',
    i % 3 === 0 ? 'case.read_identity' : 'user.create',
    i % 3 === 0 ? 'case' : 'user',
    UUID_A,
    i % 3 === 0 ? 'service_provision' : null,
    `corr-${i}-abcdef`,
    i % 2 === 0 ? JSON.stringify({ role: 'caseworker', fields: ['role', 'disabled'], n: i }) : null,
    null,
    null,
  ];
  for (const [k, v] of Object.entries(overrides)) t[T[k as keyof typeof T]] = v as never;
  return t;
}

/** Seals events the way the sealer does. */
function seal(events: EventTuple[], startSeq = 1, startHash = GENESIS_HASH): EventTuple[] {
  let prev = startHash;
  return events.map((e, i) => {
    const t = [...e] as EventTuple;
    t[T.chainSeq] = String(startSeq + i);
    t[T.prevHash] = prev;
    t[T.hash] = hashEvent(t);
    prev = t[T.hash] as string;
    return t;
  });
}

const chain = (n: number) => seal(Array.from({ length: n }, (_, i) => event(i + 1)));

/** Walks the chain the way the verifier does: rows in the fast form, in batches. */
function walk(events: EventTuple[], claims: CheckpointClaim[] = [], batch = 4) {
  const rows = events.map(chainRowOf);
  const walker = new ChainWalker();
  walker.addCheckpoints(claims);
  for (let i = 0; i < rows.length; i += batch) if (!walker.feed(rows.slice(i, i + batch))) break;
  return { failure: walker.finish(), walker };
}

describe('canonical event form', () => {
  const nullableText = fc.option(fc.string({ unit: 'binary' }), { nil: null });
  const json = fc.jsonValue();
  const tuples = fc.tuple(
    fc.bigInt({ min: 1n, max: 2n ** 62n }),
    fc.bigInt({ min: 1n, max: 2n ** 62n }),
    fc.date({ min: new Date('2000-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }),
    nullableText,
    nullableText,
    nullableText,
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'binary' }),
    nullableText,
    nullableText,
    nullableText,
    fc.option(json, { nil: null }),
  );

  it('is the same on the fast path (parts, as PostgreSQL builds them) as the RFC 8785 reference, for any values', () => {
    fc.assert(
      fc.property(
        tuples,
        fc.stringMatching(/^[0-9a-f]{64}$/),
        ([seq, id, at, u, o, role, action, type, recordId, purpose, corr, details], prev) => {
          const t: EventTuple = [
            String(seq),
            String(id),
            at.toISOString().replace('Z', '123Z'),
            u,
            o,
            role,
            action,
            type,
            recordId,
            purpose,
            corr,
            details === null ? null : JSON.stringify(details),
            prev,
            null,
          ];
          const reference = canonicalize(eventObject(t));
          expect(canonicalEvent(t)).toBe(reference);
          expect(canonicalRow(chainRowOf(t), String(seq), prev)).toBe(reference);
          expect(hashRow(chainRowOf(t), String(seq), prev)).toBe(hashEvent(t));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('orders keys by code unit and leaves out nothing but hash and sealed_at', () => {
    const t = event(2);
    t[T.chainSeq] = '7';
    t[T.prevHash] = GENESIS_HASH;
    const keys = Object.keys(JSON.parse(canonicalEvent(t)) as object);
    expect(keys).toEqual([
      'action',
      'actor_organisation_id',
      'actor_role',
      'actor_user_id',
      'chain_seq',
      'correlation_id',
      'details',
      'id',
      'occurred_at',
      'prev_hash',
      'purpose',
      'record_id',
      'record_type',
    ]);
    // details are canonical too, whatever order jsonb returned them in
    expect(canonicalEvent(t)).toContain('"details":{"fields":["role","disabled"],"n":2,"role":"caseworker"}');
  });

  it('never throws on details RFC 8785 cannot write (a number beyond the double range), so sealing cannot stall', () => {
    const t = event(1, { details: '{"n": 1e400, "a": 1}', chainSeq: '1', prevHash: GENESIS_HASH });
    const canonical = canonicalRow(chainRowOf(t), '1', GENESIS_HASH);
    expect(canonical).toContain('"details":{"lintas:jsonb":"{\\"n\\": 1e400, \\"a\\": 1}"}');
    expect(canonical).toBe(canonicalEvent(t));
    expect(hashRow(chainRowOf(t), '1', GENESIS_HASH)).toBe(hashEvent(t));
  });

  it('matches the worked example in docs/audit.md (a known answer, so the definition cannot drift unnoticed)', () => {
    const t: EventTuple = [
      '1',
      '1',
      '2026-11-30T08:15:02.123456Z',
      UUID_A,
      UUID_B,
      'supervisor',
      'user.create',
      'user',
      '9b2e4c1a-3d5f-4e6a-8b7c-9d0e1f2a3b4c',
      null,
      '3f1c2a0e-7a51-4a0b-9a0c-1f1b3c2d4e5f',
      `{"role": "caseworker", "organisationId": "${UUID_B}"}`,
      GENESIS_HASH,
      null,
    ];
    expect(canonicalEvent(t)).toBe(
      '{"action":"user.create","actor_organisation_id":"0a3b5c7d-1e2f-4a5b-8c9d-0e1f2a3b4c5d","actor_role":"supervisor",' +
        '"actor_user_id":"6f1c2a0e-7a51-4a0b-9a0c-1f1b3c2d4e5f","chain_seq":"1","correlation_id":"3f1c2a0e-7a51-4a0b-9a0c-1f1b3c2d4e5f",' +
        '"details":{"organisationId":"0a3b5c7d-1e2f-4a5b-8c9d-0e1f2a3b4c5d","role":"caseworker"},"id":"1",' +
        '"occurred_at":"2026-11-30T08:15:02.123456Z","prev_hash":"0000000000000000000000000000000000000000000000000000000000000000",' +
        '"purpose":null,"record_id":"9b2e4c1a-3d5f-4e6a-8b7c-9d0e1f2a3b4c","record_type":"user"}',
    );
    expect(hashEvent(t)).toBe('340abbd4a50aed6b238c4aa726f36eeb36be1461adb9e1b27115f2febd12262e');
    expect(hashRow(chainRowOf(t), '1', GENESIS_HASH)).toBe('340abbd4a50aed6b238c4aa726f36eeb36be1461adb9e1b27115f2febd12262e');
  });

  it('hashes SHA-256 over the previous hash and the canonical JSON', () => {
    const [first] = chain(1);
    const expected = createHash('sha256')
      .update(GENESIS_HASH + canonicalize(eventObject(first)))
      .digest('hex');
    expect(first[T.prevHash]).toBe(GENESIS_HASH);
    expect(first[T.hash]).toBe(expected);
    expect(first[T.hash]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes when any covered value changes, including the chain position and the previous hash', () => {
    const [base] = chain(1);
    const h = hashEvent(base);
    for (const k of Object.keys(T) as Array<keyof typeof T>) {
      if (k === 'hash') continue;
      const t = [...base] as EventTuple;
      t[T[k]] = k === 'details' ? '{"n":3}' : k === 'prevHash' ? 'e'.repeat(64) : `${t[T[k]] ?? ''}x`;
      expect({ k, changed: hashEvent(t) !== h }).toEqual({ k, changed: true });
    }
    // microseconds are covered: a Date would have dropped them
    const t = [...base] as EventTuple;
    t[T.occurredAt] = t[T.occurredAt].replace(/\d(Z)$/, (d) => `${(Number(d[0]) + 1) % 10}Z`);
    expect(hashEvent(t)).not.toBe(h);
  });
});

describe('chain walk', () => {
  it('accepts an intact chain of any length in any batch size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 9 }), (n, batch) => {
        const { failure, walker } = walk(chain(n), [], batch);
        expect(failure).toBeNull();
        expect(walker.checkedEvents).toBe(n);
        expect(walker.lastSequence).toBe(n);
      }),
    );
  });

  it('names an edited event', () => {
    const rows = chain(10);
    rows[6][T.action] = 'user.read';
    expect(walk(rows).failure).toMatchObject({ reason: 'hash_mismatch', firstBadSequence: 7 });
  });

  it('names the first missing sequence when an event is deleted', () => {
    const rows = chain(10);
    rows.splice(3, 1);
    const { failure, walker } = walk(rows);
    expect(failure).toMatchObject({ reason: 'sequence_gap', firstBadSequence: 4 });
    expect(walker.checkedEvents).toBe(3);
    expect(walker.lastSequence).toBe(3);
  });

  it('names the first sequence when two events swap places', () => {
    const rows = chain(10);
    const a = rows[2];
    const b = rows[5];
    [a[T.chainSeq], b[T.chainSeq]] = [b[T.chainSeq], a[T.chainSeq]];
    rows.sort((x, y) => Number(x[T.chainSeq]) - Number(y[T.chainSeq]));
    expect(walk(rows).failure).toMatchObject({ reason: 'prev_hash_mismatch', firstBadSequence: 3 });
  });

  it('names an event forged into the middle: at itself with a made-up hash, at the next one with a computed hash', () => {
    const rows = chain(10);
    const shifted = rows.map((r, i) => {
      const t = [...r] as EventTuple;
      if (i >= 4) t[T.chainSeq] = String(i + 2);
      return t;
    });
    const forged = event(99);
    forged[T.chainSeq] = '5';
    forged[T.prevHash] = rows[3][T.hash];
    forged[T.hash] = 'a'.repeat(64);
    const withMadeUp = [...shifted.slice(0, 4), forged, ...shifted.slice(4)];
    expect(walk(withMadeUp).failure).toMatchObject({ reason: 'hash_mismatch', firstBadSequence: 5 });

    forged[T.hash] = hashEvent(forged);
    expect(walk(withMadeUp).failure).toMatchObject({ reason: 'prev_hash_mismatch', firstBadSequence: 6 });
  });

  it('names a sequence that appears twice', () => {
    const rows = chain(6);
    const dup = [...rows.slice(0, 4), rows[3], ...rows.slice(4)];
    expect(walk(dup).failure).toMatchObject({ reason: 'sequence_duplicate', firstBadSequence: 4 });
  });

  it('names a chain that does not start at 1', () => {
    expect(walk(chain(5).slice(1)).failure).toMatchObject({ reason: 'sequence_gap', firstBadSequence: 1 });
  });

  describe('checkpoints', () => {
    const claim = (rows: EventTuple[], seq: number, over: Partial<CheckpointClaim> = {}): CheckpointClaim => ({
      chainSeq: seq,
      headHash: rows[seq - 1][T.hash] as string,
      signatureValid: true,
      label: `checkpoint ${seq}`,
      ...over,
    });

    it('accepts checkpoints that match the chain, and counts them', () => {
      const rows = chain(12);
      const { failure, walker } = walk(rows, [claim(rows, 4), claim(rows, 12), claim(rows, 4)]);
      expect(failure).toBeNull();
      expect(walker.checkedCheckpoints).toBe(3);
    });

    it('catches a chain rewritten consistently (every hash recomputed) by the checkpoint after the edit', () => {
      const original = chain(12);
      const claims = [claim(original, 3), claim(original, 9)];
      const edited = original.map((r) => [...r] as EventTuple);
      edited[4][T.action] = 'user.read';
      const rewritten = [...edited.slice(0, 4), ...seal(edited.slice(4), 5, edited[3][T.hash] as string)];
      expect(walk(rewritten).failure).toBeNull();
      expect(walk(rewritten, claims).failure).toMatchObject({ reason: 'checkpoint_mismatch', firstBadSequence: 9 });
    });

    it('catches events removed from the end with a checkpoint beyond the new end', () => {
      const rows = chain(12);
      expect(walk(rows.slice(0, 9), [claim(rows, 11)]).failure).toMatchObject({ reason: 'checkpoint_mismatch', firstBadSequence: 10 });
    });

    it('fails on a checkpoint whose signature did not verify', () => {
      const rows = chain(8);
      expect(walk(rows, [claim(rows, 5, { signatureValid: false })]).failure).toMatchObject({
        reason: 'checkpoint_signature_invalid',
        firstBadSequence: 5,
      });
    });

    it('reports the earliest problem first', () => {
      const rows = chain(10);
      rows[7][T.action] = 'user.read';
      expect(walk(rows, [claim(rows, 3, { headHash: 'b'.repeat(64) })]).failure).toMatchObject({
        reason: 'checkpoint_mismatch',
        firstBadSequence: 3,
      });
    });

    it('refuses a checkpoint registered after the walk passed its sequence', () => {
      const rows = chain(6);
      const walker = new ChainWalker();
      walker.feed(rows.map(chainRowOf));
      expect(() => walker.addCheckpoints([claim(rows, 2)])).toThrow();
    });
  });
});
