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
  AlertRead = 'alert:read',
  AlertResolve = 'alert:resolve',
}

const EVERYONE = [Permission.MeRead, Permission.OrganisationRead];
/** The organisation's action-needed list belongs to the people who work on cases (org admins manage users, not cases). */
const ALERTS = [Permission.AlertRead, Permission.AlertResolve];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  caseworker: new Set([...EVERYONE, ...ALERTS]),
  supervisor: new Set([...EVERYONE, Permission.UserRead, ...ALERTS]),
  org_admin: new Set([...EVERYONE, Permission.UserRead, Permission.UserCreate, Permission.UserUpdate]),
  auditor: new Set([...EVERYONE]),
  platform_admin: new Set([
    ...EVERYONE,
    Permission.OrganisationCreate,
    Permission.UserRead,
    Permission.UserCreate,
    Permission.UserUpdate,
    Permission.SystemPing,
  ]),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}
