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
  /** Verify the audit chain and read its signed checkpoints (counts, sequences and hashes; no event content). */
  AuditRead = 'audit:read',
}

const EVERYONE = [Permission.MeRead, Permission.OrganisationRead];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  caseworker: new Set([...EVERYONE]),
  supervisor: new Set([...EVERYONE, Permission.UserRead]),
  org_admin: new Set([...EVERYONE, Permission.UserRead, Permission.UserCreate, Permission.UserUpdate]),
  auditor: new Set([...EVERYONE, Permission.AuditRead]),
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
