/**
 * The texts of Lintas's e-mails. They say only that there is something to see, and where to sign in: no name, no case
 * detail, no reference, no id — an inbox is read on shared phones and forwarded, and a mail server keeps copies.
 * A digest groups the new alerts by kind (a count per alert type), which says nothing about any person.
 */
import { ALERT_TYPES, AlertType } from '../common/vocabulary/alerts';

export interface MailText {
  subject: string;
  text: string;
}

const TYPE_WORDS: Record<AlertType, string> = {
  overdue_step: 'overdue step',
  referral_awaiting_approval: 'referral waiting for approval',
  referral_awaiting_acceptance: 'referral waiting for acceptance',
  delivery_failed: 'delivery that failed',
  consent_expiring: 'consent about to expire',
  break_glass_review: 'emergency access to review',
  restitution_deadline: 'restitution deadline',
  restitution_payment_overdue: 'restitution payment overdue',
  disclosure_review: 'disclosure to review',
  case_restricted: 'case whose use was restricted',
  webhook_disabled: 'webhook subscription disabled',
  case_corrected: 'received case that was corrected',
  claim_conflict: 'restitution claim change not taken',
};

const FOOTER = (link: string) =>
  `Sign in to Lintas to see it: ${link}\n\n` +
  'This message holds no details on purpose. You can choose immediate messages, a daily summary or none in your ' +
  'notification preferences.\n';

export function alertMail(publicBaseUrl: string): MailText {
  return {
    subject: 'Lintas: something needs your attention',
    text: `There is something new for you in Lintas.\n\n${FOOTER(publicBaseUrl)}`,
  };
}

export function digestMail(publicBaseUrl: string, counts: ReadonlyArray<{ type: AlertType; count: number }>): MailText {
  const total = counts.reduce((n, c) => n + c.count, 0);
  const lines = [...counts]
    .filter((c) => c.count > 0 && (ALERT_TYPES as readonly string[]).includes(c.type))
    .sort((a, b) => ALERT_TYPES.indexOf(a.type) - ALERT_TYPES.indexOf(b.type))
    .map((c) => `  ${c.count} × ${TYPE_WORDS[c.type]}`);
  return {
    subject: `Lintas: ${total} new ${total === 1 ? 'item needs' : 'items need'} your attention`,
    text: `Since yesterday's summary, Lintas has ${total} new ${total === 1 ? 'item' : 'items'} for you:\n\n${lines.join('\n')}\n\n${FOOTER(publicBaseUrl)}`,
  };
}
