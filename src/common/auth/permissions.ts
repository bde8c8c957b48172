/**
 * The one permission map. Every route names the permission it needs (or is marked public); the global guard
 * looks the caller's role up here. Deny by default: a role has exactly the permissions listed for it.
 */
import { Role } from '../vocabulary/roles';

export enum Permission {
  MeRead = 'me:read',
  OrganisationCreate = 'organisation:create',
  OrganisationRead = 'organisation:read',
  UserCreate = 'user:create',
  UserRead = 'user:read',
  UserUpdate = 'user:update',
  SystemPing = 'system:ping',
  // federation: the partner registry is the operator's (keys, addresses, remote organisations)
  FederationPartnerRead = 'federation-partner:read',
  FederationPartnerManage = 'federation-partner:manage',
}

const EVERYONE = [Permission.MeRead, Permission.OrganisationRead];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  caseworker: new Set([...EVERYONE]),
  supervisor: new Set([...EVERYONE, Permission.UserRead]),
  org_admin: new Set([...EVERYONE, Permission.UserRead, Permission.UserCreate, Permission.UserUpdate]),
  auditor: new Set([...EVERYONE]),
  platform_admin: new Set([
    ...EVERYONE,
    Permission.OrganisationCreate,
    Permission.UserRead,
    Permission.UserCreate,
    Permission.UserUpdate,
    Permission.SystemPing,
    Permission.FederationPartnerRead,
    Permission.FederationPartnerManage,
  ]),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
