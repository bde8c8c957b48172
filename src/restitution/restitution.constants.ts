/** Names the restitution services share. */
export const RECORD_TYPE = 'restitution_claim';
export const NOT_FOUND_WHAT = 'Restitution claim';
/** What a consent must permit for an organisation that is not the claim's own to see it. */
export const CONSENT_PURPOSE = 'restitution_claim' as const;
export const CONSENT_CATEGORY = 'restitution' as const;
