import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { DATA_CATEGORIES } from '../common/vocabulary';
import { parseAckBody, parseEventBody, parseRecallBody, parseReferralBody } from './referral-packets';

const referralBody = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  referralId: randomUUID(),
  sendingOrganisationId: randomUUID(),
  receivingOrganisationId: randomUUID(),
  purpose: 'cross_border_referral',
  dataCategories: ['identity', 'exploitation'],
  crossBorder: true,
  caseReference: 'TH-2026-000123',
  reason: 'Return to Myanmar; family located',
  data: { identity: { givenName: 'Aye' }, exploitation: { exploitationTypes: ['forced_criminality'] } },
  ...overrides,
});

const refusedMember = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    expect((err as { code?: string }).code).toBe('FEDERATION_MALFORMED_PACKET');
    return ((err as { details?: { member?: string } }).details ?? {}).member;
  }
};

describe('referral packet bodies', () => {
  it('accepts a well-formed referral packet as is', () => {
    const body = referralBody();
    expect(parseReferralBody(body)).toEqual(body);
  });

  it('names the offending member, never its value', () => {
    expect(refusedMember(() => parseReferralBody(referralBody({ purpose: 'sale' })))).toBe('purpose');
    expect(refusedMember(() => parseReferralBody(referralBody({ referralId: 'A1B2' })))).toBe('referralId');
    expect(refusedMember(() => parseReferralBody(referralBody({ extra: 1 })))).toBe('body.extra');
    expect(refusedMember(() => parseReferralBody(referralBody({ dataCategories: [] })))).toBe('dataCategories');
    expect(refusedMember(() => parseReferralBody(referralBody({ dataCategories: ['identity', 'identity'] })))).toBe('dataCategories');
    expect(refusedMember(() => parseReferralBody(referralBody({ reason: ' ' })))).toBe('reason');
  });

  it('property: a packet is taken only when every key of data is a declared category', () => {
    fc.assert(
      fc.property(fc.subarray([...DATA_CATEGORIES], { minLength: 1 }), fc.subarray([...DATA_CATEGORIES]), (declared, present) => {
        const data = Object.fromEntries(present.map((c) => [c, {}]));
        const member = refusedMember(() => parseReferralBody(referralBody({ dataCategories: declared, data })));
        const undeclared = present.filter((c) => !declared.includes(c));
        if (undeclared.length === 0) expect(member).toBeUndefined();
        else expect(member).toBe(`data.${undeclared[0]}`);
      }),
    );
  });

  it('events: status or milestone, with the members each needs', () => {
    const base = { referralId: randomUUID(), reason: null, note: null, occurredAt: '2026-11-30T10:00:00.000Z' };
    expect(parseEventBody({ ...base, kind: 'status', status: 'accepted' })).toMatchObject({ kind: 'status', status: 'accepted' });
    expect(parseEventBody({ ...base, kind: 'milestone', milestone: 'arrived', skipped: false })).toMatchObject({ milestone: 'arrived' });
    // Statuses only Lintas itself sets never arrive as events.
    expect(refusedMember(() => parseEventBody({ ...base, kind: 'status', status: 'received' }))).toBe('status');
    expect(refusedMember(() => parseEventBody({ ...base, kind: 'status', status: 'recalled' }))).toBe('status');
    expect(refusedMember(() => parseEventBody({ ...base, kind: 'milestone', milestone: 'arrived' }))).toBe('skipped');
    expect(refusedMember(() => parseEventBody({ ...base, kind: 'other' }))).toBe('kind');
    expect(refusedMember(() => parseEventBody({ ...base, kind: 'status', status: 'accepted', occurredAt: 'yesterday' }))).toBe(
      'occurredAt',
    );
    // Date.parse takes years -271821..275760; PostgreSQL does not (issue #11): only the years 1900–2200 pass.
    for (const occurredAt of [
      '-271821-04-20T00:00:00.000Z',
      '+275760-09-13T00:00:00.000Z',
      '1899-12-31T23:59:59.999Z',
      '2201-01-01T00:00:00.000Z',
    ]) {
      expect(refusedMember(() => parseEventBody({ ...base, kind: 'milestone', milestone: 'arrived', skipped: false, occurredAt }))).toBe(
        'occurredAt',
      );
    }
    expect(parseEventBody({ ...base, kind: 'status', status: 'accepted', occurredAt: '2200-12-31T23:59:59.999Z' })).toMatchObject({
      kind: 'status',
    });
  });

  it('restriction notices, with their per-case sequence (absent from older senders)', () => {
    const referralId = randomUUID();
    const base = { referralId, kind: 'restriction', restricted: true, occurredAt: '2026-11-30T10:00:00.000Z' };
    expect(parseEventBody(base)).toEqual(base);
    expect(parseEventBody({ ...base, sequence: 3 })).toEqual({ ...base, sequence: 3 });
    for (const sequence of [0, -1, 1.5, '2', 2 ** 31, null])
      expect(refusedMember(() => parseEventBody({ ...base, sequence }))).toBe('sequence');
  });

  it('recalls and acknowledgements', () => {
    const referralId = randomUUID();
    const jti = randomUUID();
    expect(parseRecallBody({ referralId, reason: 'consent_withdrawn' })).toEqual({ referralId, reason: 'consent_withdrawn' });
    expect(refusedMember(() => parseRecallBody({ referralId, reason: 'because' }))).toBe('reason');
    const ack = { ack: 'recall', referralId, jti, restrictedAt: '2026-11-30T10:00:00.000Z' };
    expect(parseAckBody(ack)).toEqual(ack);
    expect(refusedMember(() => parseAckBody({ ack: 'referral', referralId, jti, receivedAt: '2026-11-30T10:00:00.000Z' }))).toBe(
      'receivedReferralId',
    );
    expect(refusedMember(() => parseAckBody({ ack: 'maybe', referralId, jti }))).toBe('ack');
  });

  it('a rectification: the corrected fields by category, data only of the categories it names', () => {
    const body = {
      referralId: randomUUID(),
      kind: 'rectification',
      correctionId: randomUUID(),
      categories: ['identity'],
      data: { identity: { familyName: 'Corrected' } },
      occurredAt: '2026-12-06T10:00:00.000Z',
    };
    expect(parseEventBody(body)).toEqual(body);
    expect(refusedMember(() => parseEventBody({ ...body, data: { exploitation: {} } }))).toBe('data.exploitation');
    expect(refusedMember(() => parseEventBody({ ...body, categories: [] }))).toBe('categories');
    expect(refusedMember(() => parseEventBody({ ...body, categories: ['diary'] }))).toBe('categories[0]');
    expect(refusedMember(() => parseEventBody({ ...body, correctionId: 'x' }))).toBe('correctionId');
    expect(refusedMember(() => parseEventBody({ ...body, extra: 1 }))).toBe('body.extra');
  });
});
