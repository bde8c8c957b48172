/**
 * Who may give which role, and where. Pure rules, asked by every path that sets a role (POST /users, PATCH /users/{id});
 * the bootstrap and the demo seed write fixed roles and are held to the same organisation rule by their own code.
 *
 * An auditor reads deployment-wide statistics, the HTCDS export and the audit verification, so the role is given only by
 * a platform admin and only to a user of an oversight body; an org admin runs its own organisation's staff and assigns
 * caseworker, supervisor and org_admin, nothing else.
 */
import { DomainError } from '../common/errors/domain-error';
import { OrganisationType, Role } from '../common/vocabulary';

/** The roles each role may give. Platform admins give every role; the others give none (they lack user:create). */
export const ASSIGNABLE_ROLES: Record<Role, readonly Role[]> = {
  platform_admin: ['caseworker', 'supervisor', 'org_admin', 'auditor', 'platform_admin'],
  org_admin: ['caseworker', 'supervisor', 'org_admin'],
  supervisor: [],
  caseworker: [],
  auditor: [],
};

/** Roles that only users of certain organisation types may hold. A role not named here fits any organisation. */
export const ROLE_ORGANISATION_TYPES: Partial<Record<Role, readonly OrganisationType[]>> = {
  auditor: ['oversight'],
};

export function canAssign(actorRole: Role, role: Role): boolean {
  return ASSIGNABLE_ROLES[actorRole].includes(role);
}

export function roleFitsOrganisation(role: Role, organisationType: OrganisationType): boolean {
  const types = ROLE_ORGANISATION_TYPES[role];
  return types === undefined || types.includes(organisationType);
}

/** 403 ROLE_NOT_ASSIGNABLE unless the actor's role may give this role. */
export function assertAssignable(actorRole: Role, role: Role): void {
  if (canAssign(actorRole, role)) return;
  const allowed = ASSIGNABLE_ROLES[actorRole];
  throw new DomainError(
    'ROLE_NOT_ASSIGNABLE',
    allowed.length > 0
      ? `Your role cannot assign the role ${role}; it assigns ${allowed.join(', ')}`
      : `Your role cannot assign the role ${role}`,
  );
}

/** 400 ROLE_NOT_ALLOWED_FOR_ORGANISATION unless a user of this organisation may hold the role. */
export function assertRoleFitsOrganisation(role: Role, organisationType: OrganisationType): void {
  if (roleFitsOrganisation(role, organisationType)) return;
  const types = ROLE_ORGANISATION_TYPES[role] ?? [];
  throw new DomainError('ROLE_NOT_ALLOWED_FOR_ORGANISATION', `The role ${role} is not given in this organisation`, [
    {
      field: 'role',
      errors: [`${role} is given only in an organisation of type ${types.join(' or ')}; this organisation is of type ${organisationType}`],
    },
  ]);
}
