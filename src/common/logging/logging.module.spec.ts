import pino from 'pino';
import { correlationIdFrom, REDACT_PATHS } from './logging.module';

describe('correlationIdFrom', () => {
  it('keeps a well-formed caller id', () => {
    expect(correlationIdFrom('req-2026-07-01.abc_DEF')).toBe('req-2026-07-01.abc_DEF');
    expect(correlationIdFrom(['first-id-123', 'second-id-456'])).toBe('first-id-123');
  });

  it('mints a UUID for a missing, short, long or unsafe one (no log injection)', () => {
    for (const value of [undefined, '', 'short', 'x'.repeat(65), 'has space in it', 'line\nbreak-in-it', '"quoted-value"', '../../etc/passwd']) {
      expect(correlationIdFrom(value)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});

describe('log redaction', () => {
  /** Logs through pino with the app's redaction paths and returns the JSON line. */
  const logLine = (obj: object): string => {
    const lines: string[] = [];
    const logger = pino({ redact: { paths: REDACT_PATHS, censor: '[redacted]' } }, { write: (line: string) => lines.push(line) });
    logger.info(obj, 'probe');
    return lines.join('');
  };

  it('hides the authorization header, tokens and passwords', () => {
    const line = logLine({
      req: { headers: { authorization: 'Bearer eyJhbGciOi.secret-token', cookie: 'sid=secret-cookie' } },
      body: { password: 'secret-password', refreshToken: 'lrt_secret-refresh' },
      result: { tokens: { accessToken: 'secret-access' } },
    });
    expect(line).not.toMatch(/secret-/);
    expect(line).toContain('[redacted]');
  });

  it('hides personal fields of a case or a user at the first three levels', () => {
    const line = logLine({
      email: 'aye.mya@shelter.example',
      user: { displayName: 'K. Somchai' },
      case: { person: { givenName: 'Aye', familyName: 'Mya', phone: '+66 81 000 0000' } },
      referral: { packet: { currentLocation: 'Mercy Shelter, Bangkok' } },
      caseId: '0b3f6a6e-4d7c-4a55-9a43-0d5a4f6e1c2b',
    });
    for (const personal of ['aye.mya', 'Somchai', 'Aye', 'Mya', '+66', 'Mercy Shelter']) expect(line).not.toContain(personal);
    // Ids stay: they are what an operator follows.
    expect(line).toContain('0b3f6a6e-4d7c-4a55-9a43-0d5a4f6e1c2b');
  });
});
