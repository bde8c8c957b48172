import pino from 'pino';
import { correlationIdFrom, REDACTED, REDACTED_KEYS, redactingDestination, redactLogLine } from './logging.module';

describe('correlationIdFrom', () => {
  it('keeps a well-formed caller id', () => {
    expect(correlationIdFrom('req-2026-07-01.abc_DEF')).toBe('req-2026-07-01.abc_DEF');
    expect(correlationIdFrom(['first-id-123', 'second-id-456'])).toBe('first-id-123');
  });

  it('mints a UUID for a missing, short, long or unsafe one (no log injection)', () => {
    for (const value of [
      undefined,
      '',
      'short',
      'x'.repeat(65),
      'has space in it',
      'line\nbreak-in-it',
      '"quoted-value"',
      '../../etc/passwd',
    ]) {
      expect(correlationIdFrom(value)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    }
  });
});

describe('log redaction', () => {
  /** Logs through pino into the app's redacting destination and returns what would be written. */
  const logLine = (obj: object, msg = 'probe'): string => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, redactingDestination({ write: (line: string) => lines.push(line) }));
    logger.info(obj, msg);
    return lines.join('');
  };

  it('hides the authorization header, tokens and passwords', () => {
    const line = logLine({
      req: { headers: { authorization: 'Bearer eyJhbGciOi.secret-token', cookie: 'sid=secret-cookie', 'x-api-key': 'secret-key' } },
      res: { headers: { 'set-cookie': 'sid=secret-set-cookie' } },
      body: { password: 'secret-password', refreshToken: 'lrt_secret-refresh' },
      result: { tokens: { accessToken: 'secret-access' } },
    });
    expect(line).not.toMatch(/secret-/);
    expect(line).toContain(REDACTED);
  });

  it('hides personal fields of a case or a user at any depth, in arrays too, and keeps the ids', () => {
    const line = logLine({
      email: 'aye.mya@shelter.example',
      user: { displayName: 'K. Somchai' },
      case: { person: { givenName: 'Aye', familyName: 'Mya', phone: '+66 81 000 0000' } },
      referral: { packet: { currentLocation: 'Mercy Shelter, Bangkok' } },
      deep: { a: { b: { c: { d: { identityDocuments: [{ type: 'passport', number: 'MA1234567' }] } } } } },
      batch: [{ dateOfBirth: '2003-04-12' }, { address: '12 Soi Example' }],
      caseId: '0b3f6a6e-4d7c-4a55-9a43-0d5a4f6e1c2b',
    });
    for (const personal of ['aye.mya', 'Somchai', 'Aye', 'Mya', '+66', 'Mercy Shelter', 'MA1234567', '2003-04-12', 'Soi Example']) {
      expect(line).not.toContain(personal);
    }
    // Ids stay: they are what an operator follows.
    expect(JSON.parse(line)).toMatchObject({
      caseId: '0b3f6a6e-4d7c-4a55-9a43-0d5a4f6e1c2b',
      msg: 'probe',
      deep: { a: { b: { c: { d: { identityDocuments: REDACTED } } } } },
    });
  });

  it('hides them in child-logger bindings too (pino-http binds per request)', () => {
    const lines: string[] = [];
    const logger = pino({}, redactingDestination({ write: (line: string) => lines.push(line) }));
    logger.child({ correlationId: 'req-12345678', user: { email: 'bound@shelter.example' } }).warn('bound');
    expect(lines.join('')).not.toContain('bound@shelter.example');
    expect(JSON.parse(lines[0])).toMatchObject({ correlationId: 'req-12345678', user: { email: REDACTED } });
  });

  it('writes a line that holds none of the keys as it is', () => {
    const line =
      '{"level":30,"time":1,"req":{"method":"GET","path":"/api/v1/cases/x"},"res":{"statusCode":200},"msg":"request completed"}\n';
    expect(redactLogLine(line)).toBe(line);
  });

  it('withholds a line it cannot parse rather than write it unredacted', () => {
    const out = redactLogLine('{"email":"aye.mya@shelter.example" not json\n');
    expect(out).not.toContain('aye.mya');
    const withheld = JSON.parse(out) as { level: unknown; msg: string };
    expect(withheld.level).toBe(50);
    expect(withheld.msg).toContain('withheld');
  });

  it('names only keys that pino writes unescaped, so the quick check cannot miss one', () => {
    for (const key of REDACTED_KEYS) expect(key).toMatch(/^[A-Za-z-]+$/);
  });
});
