/** How a person hears of new alerts by e-mail: one message per alert, one digest a day, or none. */
export const EMAIL_MODES = ['immediate', 'daily', 'off'] as const;
export type EmailMode = (typeof EMAIL_MODES)[number];
