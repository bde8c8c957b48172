import { caseCreateStatement, CaseCreateParts } from './case-create.statement';

const parts = (digests: Buffer[]): CaseCreateParts => ({
  caseId: '11111111-1111-4111-8111-111111111111',
  reference: 'TH-2026-000007',
  ownerOrganisationId: '22222222-2222-4222-8222-222222222222',
  key: { masterKeyId: 'k1', wrappedKey: Buffer.from([1, 2, 3]) },
  digests,
  audit: {
    actorUserId: '33333333-3333-4333-8333-333333333333',
    actorOrganisationId: '22222222-2222-4222-8222-222222222222',
    actorRole: 'caseworker',
    correlationId: 'corr-1',
  },
});

const caseInsert = (n: number): [string, unknown[]] => [
  `INSERT INTO "cases"("id", "reference", "x") VALUES (${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(', ')}) RETURNING "created_at", "updated_at"`,
  Array.from({ length: n }, (_, i) => `v${i + 1}`),
];

/** Every $n in the text, in order of appearance. */
const placeholders = (sql: string) => [...sql.matchAll(/\$(\d+)/g)].map((m) => Number(m[1]));

describe('caseCreateStatement', () => {
  it.each([
    ['without documents', []],
    ['with documents', [Buffer.from('a'), Buffer.from('b')]],
  ])('numbers its own parameters after the case INSERT’s and supplies each one (%s)', (_label, digests) => {
    const [sql, parameters] = caseCreateStatement(caseInsert(3), parts(digests));
    const used = new Set(placeholders(sql));
    // Every parameter is used and none is missing: 1…parameters.length exactly.
    expect([...used].sort((a, b) => a - b)).toEqual(Array.from({ length: parameters.length }, (_, i) => i + 1));
    expect(parameters.slice(0, 3)).toEqual(['v1', 'v2', 'v3']);
    const at = (value: unknown) => parameters.indexOf(value) + 1;
    expect(sql).toContain(`jsonb_build_object('reference', $${at('TH-2026-000007')}::text`);
    expect(sql).toContain(`$${at(parts(digests).key.masterKeyId)}::varchar`);
  });

  it('indexes the documents and looks up duplicates only when there are documents', () => {
    const [withDocs, withDocsParameters] = caseCreateStatement(caseInsert(2), parts([Buffer.from('a')]));
    expect(withDocs).toContain('INSERT INTO case_blind_indexes');
    expect(withDocs).toContain("'possibleDuplicates', (SELECT count(*) FROM d)");
    expect(withDocsParameters).toContainEqual([Buffer.from('a')]);
    const [withoutDocs] = caseCreateStatement(caseInsert(2), parts([]));
    expect(withoutDocs).not.toContain('case_blind_indexes');
    expect(withoutDocs).toContain("'possibleDuplicates', 0)");
  });

  it('refuses a case INSERT whose placeholders it cannot number after', () => {
    const [sql] = caseInsert(3);
    expect(() => caseCreateStatement([sql, ['only', 'two']], parts([]))).toThrow(/parameter it did not supply/);
    expect(() => caseCreateStatement(['SELECT 1', []], parts([]))).toThrow(/INSERT … RETURNING/);
    expect(() => caseCreateStatement(['INSERT INTO "cases"("id") VALUES ($1)', ['x']], parts([]))).toThrow(/INSERT … RETURNING/);
  });
});
