export const ROLES = ['caseworker', 'supervisor', 'org_admin', 'auditor', 'platform_admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Rank used for "nobody changes an account above their own rank". Who may give which role is a separate, explicit list
 * (src/users/role-assignment.ts): auditors rank beside supervisors, but only a platform admin makes them.
 */
export const ROLE_RANK: Record<Role, number> = {
  caseworker: 1,
  supervisor: 2,
  auditor: 2,
  org_admin: 3,
  platform_admin: 4,
};
