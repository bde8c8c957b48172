import { alertMail, digestMail } from './notification-messages';

describe('e-mail texts', () => {
  it('say only that there is something to see, with the sign-in link', () => {
    const mail = alertMail('https://lintas.example.org');
    expect(mail.subject).toBe('Lintas: something needs your attention');
    expect(mail.text).toContain('https://lintas.example.org');
    expect(mail.text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('group a digest by alert type, most pressing kinds in vocabulary order', () => {
    const mail = digestMail('https://lintas.example.org', [
      { type: 'consent_expiring', count: 1 },
      { type: 'overdue_step', count: 2 },
    ]);
    expect(mail.subject).toBe('Lintas: 3 new items need your attention');
    expect(mail.text).toContain('  2 × overdue step\n  1 × consent about to expire');
  });
});
