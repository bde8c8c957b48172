/** The kinds of record the change feed names, and the route a client fetches each through (docs/sync.md §3). */
export const CHANGE_RECORD_TYPES = ['case', 'consent', 'referral', 'referral_case', 'milestone', 'claim', 'payment', 'alert'] as const;
export type ChangeRecordType = (typeof CHANGE_RECORD_TYPES)[number];

export const CHANGE_OPS = ['upsert', 'gone'] as const;
export type ChangeOp = (typeof CHANGE_OPS)[number];

export const isChangeRecordType = (t: string): t is ChangeRecordType => (CHANGE_RECORD_TYPES as readonly string[]).includes(t);
