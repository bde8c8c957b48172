/**
 * HTCDS organisation types, and one of Lintas's own at the end: `oversight`, a body that checks whether the regional
 * system works (a regional oversight office, a donor, a research body). Auditors belong to oversight bodies only
 * (src/users/role-assignment.ts).
 */
export const ORGANISATION_TYPES = [
  'ngo',
  'law_enforcement',
  'health',
  'central_gov',
  'local_gov',
  'immigration',
  'legal',
  'corporate',
  'school',
  'oversight',
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

/** Where an organisation's data lives: on this deployment, or on a partner deployment reached by federation. */
export const ORGANISATION_NODES = ['local', 'remote'] as const;
export type OrganisationNode = (typeof ORGANISATION_NODES)[number];
