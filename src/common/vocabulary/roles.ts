export const ROLES = ['caseworker', 'supervisor', 'org_admin', 'auditor', 'platform_admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * Rank used for "nobody can give a role above their own". Auditors sit beside supervisors: an oversight body's org_admin
 * may create them, a caseworker may not.
 */
export const ROLE_RANK: Record<Role, number> = {
  caseworker: 1,
  supervisor: 2,
  auditor: 2,
  org_admin: 3,
  platform_admin: 4,
};
