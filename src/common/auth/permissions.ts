/**
 * The one permission map. Every route names the permission it needs (or is marked public); the global guard
 * looks the caller's role up here. Deny by default: a role has exactly the permissions listed for it.
 */
import { Role } from '../vocabulary/roles';

export enum Permission {
  MeRead = 'me:read',
  /** Labels of the codes and error messages in the caller's language: no record of any kind. */
  VocabularyRead = 'vocabulary:read',
  OrganisationCreate = 'organisation:create',
  OrganisationRead = 'organisation:read',
  UserCreate = 'user:create',
  UserRead = 'user:read',
  UserUpdate = 'user:update',
  SystemPing = 'system:ping',
  /** Verify the audit chain and read its signed checkpoints (counts, sequences and hashes; no event content). */
  AuditRead = 'audit:read',
  // cases: content only for the staff who work on them
  CaseCreate = 'case:create',
  CaseRead = 'case:read',
  CaseUpdate = 'case:update',
  CaseClose = 'case:close',
  CaseAssign = 'case:assign',
  CaseEraseIdentity = 'case:erase_identity',
  CaseBreakGlass = 'case:break_glass',
  CaseBreakGlassReview = 'case:break_glass_review',
  CaseAccessLogRead = 'case:access_log_read',
  /** The person's rights, exercised through the owning organisation's caseworkers and supervisors (docs/rights.md). */
  CaseRestrict = 'case:restrict',
  CaseRecipientsRead = 'case:recipients_read',
  CaseSubjectAccessReport = 'case:subject_access_report',
  ConsentCreate = 'consent:create',
  ConsentRead = 'consent:read',
  ConsentWithdraw = 'consent:withdraw',
  RestitutionCreate = 'restitution:create',
  RestitutionRead = 'restitution:read',
  RestitutionUpdate = 'restitution:update',
  RestitutionPaymentRecord = 'restitution:payment_record',
  /** Hand a claim to another organisation or record the survivor's contact organisation (a supervisor's decision). */
  RestitutionResponsibility = 'restitution:responsibility',
  AlertRead = 'alert:read',
  AlertResolve = 'alert:resolve',
  // referrals: which referrals is ReferralsService's answer (the caller's organisation is the sender or the receiver)
  ReferralCreate = 'referral:create',
  ReferralRead = 'referral:read',
  /** Submit, approve, accept, reject, cancel, start, complete: the state machine decides which side and role may. */
  ReferralAct = 'referral:act',
  ReferralMilestoneRecord = 'referral:milestone_record',
  /** Read the consented part of a referred case (receiving organisation only). */
  ReferralCaseRead = 'referral:case_read',
  // statistics: anonymised tables and the k-anonymised record-level export, for oversight bodies only
  StatisticsRead = 'statistics:read',
  StatisticsExport = 'statistics:export',
  // federation: the partner registry is the operator's (keys, addresses, remote organisations)
  FederationPartnerRead = 'federation-partner:read',
  FederationPartnerManage = 'federation-partner:manage',
  /** The organisation's webhook subscriptions, their secrets and deliveries (ids and statuses only go out). */
  WebhookManage = 'webhook:manage',
  /** One's own e-mail preference for alerts. */
  NotificationPreferences = 'notification:preferences',
  /** The organisation's default e-mail preference. */
  NotificationDefaults = 'notification:defaults',
  /** The change feed: ids and versions of the records the caller may read through the other routes (docs/sync.md). */
  ChangesRead = 'changes:read',
}

const EVERYONE = [Permission.MeRead, Permission.OrganisationRead, Permission.VocabularyRead, Permission.NotificationPreferences];
const CASEWORK = [Permission.CaseCreate, Permission.CaseRead, Permission.CaseUpdate, Permission.CaseClose, Permission.CaseBreakGlass];
/** The person has no login: their rights are exercised by whoever works on their case (which cases: findAccessible). */
const PERSON_RIGHTS = [Permission.CaseRestrict, Permission.CaseRecipientsRead, Permission.CaseSubjectAccessReport];
/** The organisation's action-needed list belongs to the people who work on cases (org admins manage users, not cases). */
const ALERTS = [Permission.AlertRead, Permission.AlertResolve];
/** The change feed names only records the caller may read through the other routes; each is checked as those routes do. */
const FEED = [Permission.ChangesRead];
/** Consent is recorded by whoever works on the case; which cases is CasesService.findAccessible's answer. */
const CONSENT = [Permission.ConsentCreate, Permission.ConsentRead, Permission.ConsentWithdraw];
/** Restitution claims are case work; which claims is RestitutionService's answer (case access, responsibility, consent). */
const RESTITUTION = [
  Permission.RestitutionCreate,
  Permission.RestitutionRead,
  Permission.RestitutionUpdate,
  Permission.RestitutionPaymentRecord,
];
/** Referrals are case work; the state machine then tells a caseworker from a supervisor (approving a cross-border one). */
const REFERRALS = [
  Permission.ReferralCreate,
  Permission.ReferralRead,
  Permission.ReferralAct,
  Permission.ReferralMilestoneRecord,
  Permission.ReferralCaseRead,
];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  caseworker: new Set([...EVERYONE, ...CASEWORK, ...PERSON_RIGHTS, ...CONSENT, ...RESTITUTION, ...ALERTS, ...REFERRALS, ...FEED]),
  supervisor: new Set([
    ...EVERYONE,
    ...CASEWORK,
    ...PERSON_RIGHTS,
    Permission.UserRead,
    Permission.CaseAssign,
    Permission.CaseEraseIdentity,
    Permission.CaseBreakGlassReview,
    Permission.CaseAccessLogRead,
    ...CONSENT,
    ...RESTITUTION,
    Permission.RestitutionResponsibility,
    ...ALERTS,
    ...REFERRALS,
    ...FEED,
  ]),
  // Org admins see the alerts meant for them (audience org_admins: a disabled webhook), not the case work's.
  org_admin: new Set([
    ...EVERYONE,
    Permission.UserRead,
    Permission.UserCreate,
    Permission.UserUpdate,
    Permission.WebhookManage,
    Permission.NotificationDefaults,
    ...ALERTS,
    ...FEED,
  ]),
  auditor: new Set([...EVERYONE, Permission.AuditRead, Permission.StatisticsRead, Permission.StatisticsExport]),
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

/** The README's permission table, generated from the map above (a unit test keeps the README in step with it). */
export function permissionTableMarkdown(): string {
  const roles = Object.keys(ROLE_PERMISSIONS) as Role[];
  const rows = Object.values(Permission).map(
    (p) => `| \`${p}\` | ${roles.map((r) => (ROLE_PERMISSIONS[r].has(p) ? '✓' : '')).join(' | ')} |`,
  );
  return [`| permission | ${roles.join(' | ')} |`, `|---|${roles.map(() => '---').join('|')}|`, ...rows].join('\n');
}
