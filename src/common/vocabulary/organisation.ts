/** HTCDS organisation types. */
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
] as const;
export type OrganisationType = (typeof ORGANISATION_TYPES)[number];

/** Where an organisation's data lives: on this deployment, or on a partner deployment reached by federation. */
export const ORGANISATION_NODES = ['local', 'remote'] as const;
export type OrganisationNode = (typeof ORGANISATION_NODES)[number];
