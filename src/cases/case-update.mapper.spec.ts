import { DomainError } from '../common/errors/domain-error';
import { CaseEntity } from './case.entity';
import { assertVersion, caseCreateValues, caseUpdateChanges, changedFields } from './case-update.mapper';

const stored = (over: Partial<CaseEntity> = {}): CaseEntity =>
  Object.assign(new CaseEntity(), {
    id: 'case-1',
    version: 3,
    ageWhenTrafficked: null,
    traffickingStatus: null,
    reflectionPeriodStart: '2026-03-01',
    reflectionPeriodEnd: '2026-04-01',
    ...over,
  });
const ctx = { organisationId: 'org-b', today: '2026-06-15' };
const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : 'not a DomainError';
  }
  return undefined;
};

describe('case update mapper', () => {
  it('names the fields a PATCH changes, nested ones by path, never their values', () => {
    expect(changedFields({ person: { givenName: 'A', gender: undefined }, protection: null, riskLevel: undefined } as never)).toEqual([
      'person.givenName',
    ]);
    expect(changedFields({ traffickingStatus: 'actual', protection: { dangerFlag: true } })).toEqual([
      'traffickingStatus',
      'protection.dangerFlag',
    ]);
    expect(changedFields({})).toEqual([]);
  });

  it('changes only what the request names', () => {
    expect(caseUpdateChanges(stored(), { exploitationTypes: ['forced_labour'] }, ctx)).toEqual({ exploitationTypes: ['forced_labour'] });
    expect(caseUpdateChanges(stored(), { person: { citizenship: null } }, ctx)).toEqual({ citizenship: [] });
  });

  it('records a trafficking-status decision as the changing organisation’s, dated today unless given', () => {
    expect(caseUpdateChanges(stored(), { traffickingStatus: 'actual' }, ctx)).toEqual({
      traffickingStatus: 'actual',
      traffickingStatusDecidedByOrganisationId: 'org-b',
      traffickingStatusDecidedAt: '2026-06-15',
    });
    expect(caseUpdateChanges(stored(), { traffickingStatus: null }, ctx)).toEqual({
      traffickingStatus: null,
      traffickingStatusDecidedByOrganisationId: null,
      traffickingStatusDecidedAt: null,
    });
    expect(code(() => caseUpdateChanges(stored(), { traffickingStatusDecidedAt: '2026-01-01' }, ctx))).toBe('VALIDATION_FAILED');
    expect(caseUpdateChanges(stored({ traffickingStatus: 'possible' }), { traffickingStatusDecidedAt: '2026-01-01' }, ctx)).toEqual({
      traffickingStatusDecidedAt: '2026-01-01',
    });
  });

  it('dates a risk assessment today when the level changes without a date, and clears it with the level', () => {
    expect(caseUpdateChanges(stored(), { protection: { riskLevel: 'high' } }, ctx)).toEqual({
      riskLevel: 'high',
      riskAssessedAt: '2026-06-15',
    });
    expect(caseUpdateChanges(stored(), { protection: { riskLevel: null } }, ctx)).toEqual({ riskLevel: null, riskAssessedAt: null });
  });

  it('re-derives minor from the new date of birth, else from the stored one when only the age changes', () => {
    expect(caseUpdateChanges(stored(), { person: { dateOfBirth: '2015-01-01' } }, ctx).minor).toBe(true);
    expect(caseUpdateChanges(stored(), { ageWhenTrafficked: 30 }, { ...ctx, storedDateOfBirth: '2015-01-01' })).toEqual({
      minor: true,
      ageWhenTrafficked: 30,
    });
    expect(caseUpdateChanges(stored(), { ageWhenTrafficked: 16 }, ctx)).toEqual({ minor: true, ageWhenTrafficked: 16 });
    expect(caseUpdateChanges(stored({ ageWhenTrafficked: 16 }), { person: { dateOfBirth: null } }, ctx).minor).toBe(true);
  });

  it('checks the reflection period against the stored end or start it keeps', () => {
    expect(code(() => caseUpdateChanges(stored(), { protection: { reflectionPeriodStart: '2026-05-01' } }, ctx))).toBe('VALIDATION_FAILED');
    expect(caseUpdateChanges(stored(), { protection: { reflectionPeriodStart: '2026-03-15' } }, ctx)).toEqual({
      reflectionPeriodStart: '2026-03-15',
    });
    expect(caseUpdateChanges(stored(), { protection: { reflectionPeriodEnd: null, reflectionPeriodStart: '2026-05-01' } }, ctx)).toEqual({
      reflectionPeriodStart: '2026-05-01',
      reflectionPeriodEnd: null,
    });
  });

  it('maps legal proceedings with explicit nulls, and false for cleared flags', () => {
    expect(
      caseUpdateChanges(
        stored(),
        {
          legalProceedings: [{ jurisdiction: 'TH', role: 'witness' }],
          protection: { dangerFlag: null, objectsToHomeStateNotification: null },
        } as never,
        ctx,
      ),
    ).toEqual({
      legalProceedings: [{ jurisdiction: 'TH', caseNumber: null, role: 'witness', nextHearing: null }],
      dangerFlag: false,
      objectsToHomeStateNotification: false,
    });
  });

  it('refuses a stale version', () => {
    expect(code(() => assertVersion({ version: 3 }, 2))).toBe('PRECONDITION_FAILED');
    expect(code(() => assertVersion({ version: 3 }, 3))).toBeUndefined();
  });

  it('builds a new case assigned to its creator, with its sealed identity columns and defaults', () => {
    const sealed = { identityGivenName: Buffer.from('x') };
    const values = caseCreateValues({ person: { dateOfBirth: '2012-02-02' }, protection: { riskLevel: 'low' } }, sealed, {
      id: 'c',
      reference: 'TH-2026-000001',
      organisationId: 'org-a',
      userId: 'u-1',
      today: '2026-06-15',
    });
    expect(values).toMatchObject({
      id: 'c',
      ownerOrganisationId: 'org-a',
      assignedCaseworkerId: 'u-1',
      createdBy: 'u-1',
      status: 'active',
      version: 1,
      identityGivenName: sealed.identityGivenName,
      minor: true,
      riskLevel: 'low',
      riskAssessedAt: '2026-06-15',
      citizenship: [],
      dangerFlag: false,
      legalProceedings: [],
      traffickingStatusDecidedAt: null,
    });
  });
});
