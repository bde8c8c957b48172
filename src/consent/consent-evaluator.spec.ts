import fc from 'fast-check';
import { CONSENT_PURPOSES, ConsentPurpose, DATA_CATEGORIES, DataCategory } from '../common/vocabulary/consent';
import {
  ConsentQuestion,
  EvaluatedConsent,
  EvaluatedProvision,
  evaluateCategories,
  evaluateConsent,
  provisionApplies,
  withdrawnAt,
} from './consent-evaluator';

// A small world so random provisions and questions meet often: four organisations in three countries.
const ORG_COUNTRY: Record<string, string> = { 'org-a': 'TH', 'org-b': 'MM', 'org-c': 'KH', 'org-d': 'TH' };
const ORGS = Object.keys(ORG_COUNTRY);
const COUNTRIES = ['TH', 'MM', 'KH'];
const PURPOSES: ConsentPurpose[] = ['cross_border_referral', 'service_provision', 'repatriation'];
const CATEGORIES: DataCategory[] = ['identity', 'exploitation', 'health'];
const T = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 3_600_000); // hour n of 2026

const timeArb = fc.integer({ min: 0, max: 40 });

const provisionArb: fc.Arbitrary<EvaluatedProvision> = fc
  .record({
    effect: fc.constantFrom('permit' as const, 'permit' as const, 'deny' as const),
    recipient: fc.oneof(
      fc.constantFrom(...ORGS).map((o) => ({ recipientOrganisationId: o, recipientCountry: null })),
      fc.constantFrom(...COUNTRIES).map((c) => ({ recipientOrganisationId: null, recipientCountry: c })),
    ),
    purposes: fc.subarray(PURPOSES, { minLength: 1 }),
    dataCategories: fc.subarray(CATEGORIES, { minLength: 1 }),
    from: timeArb,
    length: fc.integer({ min: 0, max: 30 }),
  })
  .map(({ effect, recipient, purposes, dataCategories, from, length }) => ({
    effect,
    ...recipient,
    purposes,
    dataCategories,
    validFrom: T(from),
    validUntil: T(from + length),
  }));

const consentArb = (id: string): fc.Arbitrary<EvaluatedConsent> =>
  fc
    .record({
      withdrawal: fc.oneof(
        fc.constant({ status: 'active' as const, withdrawnAt: null }),
        timeArb.map((t) => ({ status: 'withdrawn' as const, withdrawnAt: T(t) })),
        fc.constant({ status: 'withdrawn' as const, withdrawnAt: null }),
      ),
      provisions: fc.array(provisionArb, { minLength: 1, maxLength: 4 }),
    })
    .map(({ withdrawal, provisions }) => ({ id, ...withdrawal, provisions }));

const consentsArb: fc.Arbitrary<EvaluatedConsent[]> = fc
  .integer({ min: 0, max: 5 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => consentArb(`consent-${i}`))))
  .map((list) => [...list]);

const questionArb: fc.Arbitrary<ConsentQuestion> = fc
  .record({ org: fc.constantFrom(...ORGS), purpose: fc.constantFrom(...PURPOSES), category: fc.constantFrom(...CATEGORIES), at: timeArb })
  .map(({ org, purpose, category, at }) => ({
    recipientOrganisationId: org,
    recipientCountry: ORG_COUNTRY[org],
    purpose,
    category,
    at: T(at),
  }));

const inForce = (c: EvaluatedConsent, p: EvaluatedProvision, at: Date) =>
  !withdrawnAt(c, at) && p.validFrom.getTime() <= at.getTime() && at.getTime() <= p.validUntil.getTime();

const applicable = (consents: EvaluatedConsent[], q: ConsentQuestion, effect: 'permit' | 'deny') =>
  consents.flatMap((c) => c.provisions.filter((p) => p.effect === effect && provisionApplies(p, q) && inForce(c, p, q.at)));

const provisionOf = (consents: EvaluatedConsent[], consentId?: string, index?: number) =>
  consents.find((c) => c.id === consentId)!.provisions[index!];

const RUNS = { numRuns: 400 };

describe('consent evaluator — laws (property-based)', () => {
  it('default deny: with no consents, or only deny provisions, nothing is ever permitted', () => {
    fc.assert(
      fc.property(questionArb, (q) => {
        expect(evaluateConsent([], q)).toEqual({ decision: 'deny', reason: 'no_matching_permit' });
      }),
      RUNS,
    );
    fc.assert(
      fc.property(consentsArb, questionArb, (consents, q) => {
        const denyOnly = consents.map((c) => ({ ...c, provisions: c.provisions.map((p) => ({ ...p, effect: 'deny' as const })) }));
        expect(evaluateConsent(denyOnly, q).decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('default deny: a permit is always backed by an applicable permit provision in force, and no deny in force', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, (consents, q) => {
        const answer = evaluateConsent(consents, q);
        if (answer.decision !== 'permit') return;
        expect(answer.reason).toBe('permitted');
        const consent = consents.find((c) => c.id === answer.consentId)!;
        const p = consent.provisions[answer.provisionIndex!];
        expect(p.effect).toBe('permit');
        expect(provisionApplies(p, q)).toBe(true);
        expect(inForce(consent, p, q.at)).toBe(true);
        expect(applicable(consents, q, 'deny')).toHaveLength(0);
      }),
      RUNS,
    );
  });

  it('an applicable permit in force with no applicable deny in force is permitted', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, (consents, q) => {
        const shouldPermit = applicable(consents, q, 'permit').length > 0 && applicable(consents, q, 'deny').length === 0;
        expect(evaluateConsent(consents, q).decision).toBe(shouldPermit ? 'permit' : 'deny');
      }),
      RUNS,
    );
  });

  it('deny overrides permit: adding an applicable deny in force, anywhere, makes the answer deny', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, fc.nat(), fc.integer({ min: 0, max: 5 }), (consents, q, position, margin) => {
        const deny: EvaluatedConsent = {
          id: 'the-deny',
          status: 'active',
          withdrawnAt: null,
          provisions: [
            {
              effect: 'deny',
              recipientOrganisationId: q.recipientOrganisationId,
              recipientCountry: null,
              purposes: [q.purpose],
              dataCategories: [q.category],
              validFrom: new Date(q.at.getTime() - margin * 3_600_000),
              validUntil: new Date(q.at.getTime() + margin * 3_600_000),
            },
          ],
        };
        const withDeny = [...consents];
        withDeny.splice(position % (consents.length + 1), 0, deny);
        const answer = evaluateConsent(withDeny, q);
        expect(answer.decision).toBe('deny');
        expect(answer.reason).toBe('denied_by_provision');
        expect(provisionOf(withDeny, answer.consentId, answer.provisionIndex).effect).toBe('deny');
      }),
      RUNS,
    );
  });

  it('expired never permits: after every validUntil the answer is deny, and the reason says expired when a permit once applied', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, fc.integer({ min: 1, max: 10 }), (consents, q, later) => {
        const last = Math.max(0, ...consents.flatMap((c) => c.provisions.map((p) => p.validUntil.getTime())));
        const afterAll = { ...q, at: new Date(last + later * 3_600_000) };
        const answer = evaluateConsent(consents, afterAll);
        expect(answer.decision).toBe('deny');
        const permitApplies = (c: EvaluatedConsent) => c.provisions.some((p) => p.effect === 'permit' && provisionApplies(p, q));
        const withdrawnApplied = consents.some((c) => withdrawnAt(c, afterAll.at) && permitApplies(c));
        const expiredApplied = consents.some((c) => !withdrawnAt(c, afterAll.at) && permitApplies(c));
        expect(answer.reason).toBe(withdrawnApplied ? 'withdrawn' : expiredApplied ? 'expired' : 'no_matching_permit');
      }),
      RUNS,
    );
  });

  it('withdrawn never permits: once every consent is withdrawn the answer is deny, with reason withdrawn if a permit applied', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, (consents, q) => {
        const withdrawn = consents.map((c) => ({ ...c, status: 'withdrawn' as const, withdrawnAt: q.at }));
        const answer = evaluateConsent(withdrawn, q);
        expect(answer.decision).toBe('deny');
        expect(answer.reason).not.toBe('denied_by_provision'); // a withdrawn consent's denies lapse with it
        const applied = consents.some((c) => c.provisions.some((p) => p.effect === 'permit' && provisionApplies(p, q)));
        expect(answer.reason).toBe(applied ? 'withdrawn' : 'no_matching_permit');
      }),
      RUNS,
    );
  });

  it('withdrawal at t does not change any answer for a moment before t, and never permits at or after t', () => {
    fc.assert(
      fc.property(
        consentsArb.filter((cs) => cs.length > 0),
        questionArb,
        fc.nat(),
        timeArb,
        (consents, q, which, t) => {
          const i = which % consents.length;
          const before = consents.map((c, k) => (k === i ? { ...c, status: 'active' as const, withdrawnAt: null } : c));
          const after = before.map((c, k) => (k === i ? { ...c, status: 'withdrawn' as const, withdrawnAt: T(t) } : c));
          const answer = evaluateConsent(after, q);
          if (q.at.getTime() < T(t).getTime()) {
            expect(answer).toEqual(evaluateConsent(before, q));
          } else if (answer.decision === 'permit') {
            expect(answer.consentId).not.toBe(before[i].id);
          }
        },
      ),
      RUNS,
    );
  });

  it('the decision and reason do not depend on the order of consents or provisions', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, fc.nat(), (consents, q, seed) => {
        const rotate = <T>(xs: readonly T[], n: number) =>
          xs.length === 0 ? [...xs] : [...xs.slice(n % xs.length), ...xs.slice(0, n % xs.length)];
        const shuffled = rotate(consents, seed).map((c) => ({ ...c, provisions: [...c.provisions].reverse() }));
        const a = evaluateConsent(consents, q);
        const b = evaluateConsent(shuffled, q);
        expect({ decision: b.decision, reason: b.reason }).toEqual({ decision: a.decision, reason: a.reason });
      }),
      RUNS,
    );
  });

  it('monotone: adding a permit never takes a permit away; adding a deny never grants one', () => {
    fc.assert(
      fc.property(consentsArb, consentArb('extra'), questionArb, (consents, extra, q) => {
        const base = evaluateConsent(consents, q).decision;
        const permits = { ...extra, provisions: extra.provisions.map((p) => ({ ...p, effect: 'permit' as const })) };
        const denies = { ...extra, provisions: extra.provisions.map((p) => ({ ...p, effect: 'deny' as const })) };
        if (base === 'permit') expect(evaluateConsent([...consents, permits], q).decision).toBe('permit');
        if (base === 'deny') expect(evaluateConsent([...consents, denies], q).decision).toBe('deny');
      }),
      RUNS,
    );
  });

  it('a cited reason is true: expired, not_yet_valid and withdrawn point at an applicable permit in that state', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, (consents, q) => {
        const answer = evaluateConsent(consents, q);
        if (!['expired', 'not_yet_valid', 'withdrawn'].includes(answer.reason)) return;
        const consent = consents.find((c) => c.id === answer.consentId)!;
        const p = consent.provisions[answer.provisionIndex!];
        expect(p.effect).toBe('permit');
        expect(provisionApplies(p, q)).toBe(true);
        if (answer.reason === 'withdrawn') expect(withdrawnAt(consent, q.at)).toBe(true);
        if (answer.reason === 'expired') expect(p.validUntil.getTime()).toBeLessThan(q.at.getTime());
        if (answer.reason === 'not_yet_valid') expect(p.validFrom.getTime()).toBeGreaterThan(q.at.getTime());
      }),
      RUNS,
    );
  });

  it('the categories helper answers each category exactly as the single question does', () => {
    fc.assert(
      fc.property(consentsArb, questionArb, fc.array(fc.constantFrom(...CATEGORIES), { maxLength: 6 }), (consents, q, categories) => {
        const result = evaluateCategories(consents, { ...q, categories });
        const distinct = [...new Set(categories)];
        expect([...result.permitted, ...result.refused.map((r) => r.category)].sort()).toEqual([...distinct].sort());
        for (const category of distinct) {
          const single = evaluateConsent(consents, { ...q, category });
          if (single.decision === 'permit') expect(result.permitted).toContain(category);
          else {
            const { decision: _d, ...why } = single;
            expect(result.refused).toContainEqual({ category, ...why });
          }
        }
        expect(result.permitted).toEqual(distinct.filter((c) => result.permitted.includes(c))); // order as asked
      }),
      RUNS,
    );
  });
});

describe('consent evaluator — table', () => {
  const ORG = 'org-a';
  const base: EvaluatedProvision = {
    effect: 'permit',
    recipientOrganisationId: ORG,
    recipientCountry: null,
    purposes: ['cross_border_referral'],
    dataCategories: ['identity', 'exploitation'],
    validFrom: T(0),
    validUntil: T(10),
  };
  const consent = (provisions: Partial<EvaluatedProvision>[], extra: Partial<EvaluatedConsent> = {}): EvaluatedConsent => ({
    id: extra.id ?? 'c1',
    status: 'active',
    withdrawnAt: null,
    ...extra,
    provisions: provisions.map((p) => ({ ...base, ...p })),
  });
  const ask = (over: Partial<ConsentQuestion> = {}): ConsentQuestion => ({
    recipientOrganisationId: ORG,
    recipientCountry: 'TH',
    purpose: 'cross_border_referral',
    category: 'identity',
    at: T(5),
    ...over,
  });

  const cases: Array<[string, EvaluatedConsent[], Partial<ConsentQuestion>, Partial<ReturnType<typeof evaluateConsent>>]> = [
    [
      'permit for the named organisation',
      [consent([{}])],
      {},
      { decision: 'permit', reason: 'permitted', consentId: 'c1', provisionIndex: 0 },
    ],
    [
      'another organisation is not covered',
      [consent([{}])],
      { recipientOrganisationId: 'org-d' },
      { decision: 'deny', reason: 'no_matching_permit' },
    ],
    ['a category not listed', [consent([{}])], { category: 'health' }, { decision: 'deny', reason: 'no_matching_permit' }],
    ['a purpose not listed', [consent([{}])], { purpose: 'legal_proceedings' }, { decision: 'deny', reason: 'no_matching_permit' }],
    [
      'a country provision covers every organisation there',
      [consent([{ recipientOrganisationId: null, recipientCountry: 'TH' }])],
      { recipientOrganisationId: 'org-d' },
      { decision: 'permit', reason: 'permitted' },
    ],
    [
      'a country provision does not cover another country',
      [consent([{ recipientOrganisationId: null, recipientCountry: 'TH' }])],
      { recipientOrganisationId: 'org-b', recipientCountry: 'MM' },
      { decision: 'deny', reason: 'no_matching_permit' },
    ],
    ['validFrom is inclusive', [consent([{}])], { at: T(0) }, { decision: 'permit' }],
    ['validUntil is inclusive', [consent([{}])], { at: T(10) }, { decision: 'permit' }],
    [
      'one millisecond after validUntil is expired',
      [consent([{}])],
      { at: new Date(T(10).getTime() + 1) },
      { decision: 'deny', reason: 'expired' },
    ],
    ['before validFrom is not yet valid', [consent([{ validFrom: T(6) }])], { at: T(5) }, { decision: 'deny', reason: 'not_yet_valid' }],
    [
      'a deny for the country beats a permit for the organisation',
      [consent([{}, { effect: 'deny', recipientOrganisationId: null, recipientCountry: 'TH', dataCategories: ['identity'] }])],
      {},
      { decision: 'deny', reason: 'denied_by_provision', consentId: 'c1', provisionIndex: 1 },
    ],
    [
      'a deny in another consent beats a permit',
      [consent([{}]), consent([{ effect: 'deny' }], { id: 'c2' })],
      {},
      { decision: 'deny', reason: 'denied_by_provision', consentId: 'c2', provisionIndex: 0 },
    ],
    [
      'an expired deny has no effect',
      [consent([{}]), consent([{ effect: 'deny', validUntil: T(4) }], { id: 'c2' })],
      {},
      { decision: 'permit', consentId: 'c1' },
    ],
    [
      'a withdrawn consent\u2019s deny lapses with it',
      [consent([{}]), consent([{ effect: 'deny' }], { id: 'c2', status: 'withdrawn', withdrawnAt: T(2) })],
      {},
      { decision: 'permit', consentId: 'c1' },
    ],
    [
      'withdrawn before the moment',
      [consent([{}], { status: 'withdrawn', withdrawnAt: T(3) })],
      {},
      { decision: 'deny', reason: 'withdrawn' },
    ],
    [
      'withdrawn at exactly the moment',
      [consent([{}], { status: 'withdrawn', withdrawnAt: T(5) })],
      {},
      { decision: 'deny', reason: 'withdrawn' },
    ],
    [
      'withdrawn only after the moment: the past answer stands',
      [consent([{}], { status: 'withdrawn', withdrawnAt: T(7) })],
      {},
      { decision: 'permit' },
    ],
    [
      'withdrawn with no time recorded: withdrawn always',
      [consent([{}], { status: 'withdrawn', withdrawnAt: null })],
      { at: T(1) },
      { decision: 'deny', reason: 'withdrawn' },
    ],
    [
      'withdrawn is named before expired',
      [consent([{ validUntil: T(2) }]), consent([{}], { id: 'c2', status: 'withdrawn', withdrawnAt: T(1) })],
      {},
      { decision: 'deny', reason: 'withdrawn', consentId: 'c2' },
    ],
    [
      'a renewal after expiry permits',
      [consent([{ validUntil: T(2) }]), consent([{ validFrom: T(2), validUntil: T(20) }], { id: 'c2' })],
      { at: T(15) },
      { decision: 'permit', consentId: 'c2' },
    ],
  ];

  it.each(cases)('%s', (_name, consents, question, expected) => {
    expect(evaluateConsent(consents, ask(question))).toMatchObject(expected);
  });

  it('answers a set of categories: the permitted subset and why each other one is refused', () => {
    const consents = [
      consent([
        { dataCategories: ['identity', 'exploitation', 'legal'] },
        { effect: 'deny', dataCategories: ['legal'] },
        { dataCategories: ['health'], validUntil: T(3) },
      ]),
    ];
    const result = evaluateCategories(consents, {
      recipientOrganisationId: ORG,
      recipientCountry: 'TH',
      purpose: 'cross_border_referral',
      categories: ['identity', 'health', 'legal', 'location', 'exploitation', 'identity'],
      at: T(5),
    });
    expect(result).toEqual({
      permitted: ['identity', 'exploitation'],
      refused: [
        { category: 'health', reason: 'expired', consentId: 'c1', provisionIndex: 2 },
        { category: 'legal', reason: 'denied_by_provision', consentId: 'c1', provisionIndex: 1 },
        { category: 'location', reason: 'no_matching_permit' },
      ],
    });
  });

  it('the vocabulary the evaluator is tested with comes from the one vocabulary', () => {
    for (const p of PURPOSES) expect(CONSENT_PURPOSES).toContain(p);
    for (const c of CATEGORIES) expect(DATA_CATEGORIES).toContain(c);
  });
});
