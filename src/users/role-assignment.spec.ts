import { DomainError } from '../common/errors/domain-error';
import { ORGANISATION_TYPES, ROLES, Role } from '../common/vocabulary';
import { assertAssignable, assertRoleFitsOrganisation, canAssign, roleFitsOrganisation } from './role-assignment';

const codeOf = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as DomainError).code;
  }
};

describe('role assignment', () => {
  it('lets an org_admin give caseworker, supervisor and org_admin, and nothing else', () => {
    expect(ROLES.filter((r) => canAssign('org_admin', r))).toEqual(['caseworker', 'supervisor', 'org_admin']);
    expect(codeOf(() => assertAssignable('org_admin', 'auditor'))).toBe('ROLE_NOT_ASSIGNABLE');
    expect(codeOf(() => assertAssignable('org_admin', 'platform_admin'))).toBe('ROLE_NOT_ASSIGNABLE');
  });

  it('lets only a platform admin give auditor', () => {
    expect(ROLES.filter((r) => canAssign(r, 'auditor'))).toEqual(['platform_admin']);
  });

  it('lets caseworkers, supervisors and auditors give no role', () => {
    for (const actor of ['caseworker', 'supervisor', 'auditor'] as Role[]) {
      expect(ROLES.filter((r) => canAssign(actor, r))).toEqual([]);
    }
  });

  it('gives auditor only in an oversight organisation; every other role fits every type', () => {
    expect(ORGANISATION_TYPES.filter((t) => roleFitsOrganisation('auditor', t))).toEqual(['oversight']);
    for (const role of ROLES.filter((r) => r !== 'auditor')) {
      expect(ORGANISATION_TYPES.every((t) => roleFitsOrganisation(role, t))).toBe(true);
    }
  });

  it('names the field and both types when refusing', () => {
    let error: DomainError | undefined;
    try {
      assertRoleFitsOrganisation('auditor', 'ngo');
    } catch (err) {
      error = err as DomainError;
    }
    expect(error?.code).toBe('ROLE_NOT_ALLOWED_FOR_ORGANISATION');
    expect(error?.details).toEqual([
      { field: 'role', errors: ['auditor is given only in an organisation of type oversight; this organisation is of type ngo'] },
    ]);
    expect(() => assertRoleFitsOrganisation('auditor', 'oversight')).not.toThrow();
  });
});
