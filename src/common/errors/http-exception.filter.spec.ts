import { BadRequestException, Logger, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { QueryFailedError, QueryRunnerAlreadyReleasedError } from 'typeorm';
import { DomainError } from './domain-error';
import { ERROR_STATUS } from './error-codes';
import { toErrorBody } from './http-exception.filter';

describe('toErrorBody', () => {
  let logged: unknown[][];
  beforeEach(() => {
    logged = [];
    jest.spyOn(Logger.prototype, 'error').mockImplementation((...args: unknown[]) => {
      logged.push(args);
    });
  });
  afterEach(() => jest.restoreAllMocks());

  const KEYS = ['code', 'correlationId', 'details', 'message', 'statusCode'];
  const expectShape = (body: object) => expect(Object.keys(body).filter((k) => !KEYS.includes(k))).toEqual([]);

  it('maps a DomainError through the one status table', () => {
    const body = toErrorBody(new DomainError('ORGANISATION_NOT_FOUND', 'Organisation not found'), 'c-1');
    expect(body).toEqual({
      statusCode: 404,
      code: 'ORGANISATION_NOT_FOUND',
      message: 'Organisation not found',
      details: undefined,
      correlationId: 'c-1',
    });
  });

  it('has a 4xx or 5xx status for every code', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS))
      expect({ code, ok: status >= 400 && status < 600 }).toEqual({ code, ok: true });
  });

  it('answers an unexpected error with 500 and a generic message: no stack, no error message, logged with the correlation id', () => {
    const err = new TypeError("Cannot read properties of undefined (reading 'givenName') at Aye Mya's record");
    const body = toErrorBody(err, 'c-2');
    expect(body).toEqual({ statusCode: 500, code: 'INTERNAL_ERROR', message: body.message, correlationId: 'c-2' });
    expect(body.message).toContain('correlation id');
    expect(JSON.stringify(body)).not.toMatch(/givenName|Aye Mya|at |\.ts/);
    expect(logged).toHaveLength(1);
    expect(JSON.stringify(logged[0])).toContain('c-2');
  });

  it('answers a database error with 500 and logs only its SQLSTATE and constraint, never the values it quotes', () => {
    const driverError = Object.assign(new Error('duplicate key value violates unique constraint "uq_users_email"'), {
      code: '23505',
      constraint: 'uq_users_email',
      table: 'users',
      detail: 'Key (email)=(aye.mya@shelter.example) already exists.',
    });
    const err = new QueryFailedError('INSERT INTO users ...', ['aye.mya@shelter.example'], driverError);
    const body = toErrorBody(err, 'c-3');
    expect(body.statusCode).toBe(500);
    expect(JSON.stringify(body)).not.toContain('aye.mya');
    expect(JSON.stringify(logged)).not.toContain('aye.mya');
    expect(JSON.stringify(logged)).toContain('23505');
    expect(JSON.stringify(logged)).toContain('uq_users_email');
  });

  it('answers a thrown non-error value with 500', () => {
    expect(toErrorBody('a string was thrown', 'c-4')).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
    expect(toErrorBody(null, 'c-5')).toMatchObject({ statusCode: 500, code: 'INTERNAL_ERROR' });
  });

  it('maps Nest HTTP exceptions, and never echoes the path of a 404', () => {
    expect(toErrorBody(new NotFoundException('Cannot GET /api/v1/cases/aye-mya'), 'c')).toMatchObject({
      statusCode: 404,
      code: 'ROUTE_NOT_FOUND',
      message: 'Route not found',
    });
    expect(toErrorBody(new PayloadTooLargeException(), 'c')).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(toErrorBody(new BadRequestException('Validation failed (uuid is expected)'), 'c')).toMatchObject({
      statusCode: 400,
      code: 'MALFORMED_REQUEST',
    });
  });

  it('maps the throttler to 429 RATE_LIMITED', () => {
    expect(toErrorBody(new ThrottlerException(), 'c')).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
  });

  it('maps Fastify body errors by their code', () => {
    const fastify = (code: string, statusCode: number) =>
      Object.assign(new Error('raw fastify message with body bits'), { code, statusCode });
    expect(toErrorBody(fastify('FST_ERR_CTP_BODY_TOO_LARGE', 413), 'c')).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(toErrorBody(fastify('FST_ERR_CTP_INVALID_MEDIA_TYPE', 415), 'c')).toMatchObject({
      statusCode: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    expect(toErrorBody(fastify('FST_ERR_CTP_INVALID_JSON_BODY', 400), 'c')).toMatchObject({ statusCode: 400, code: 'MALFORMED_REQUEST' });
    expect(JSON.stringify(toErrorBody(fastify('FST_ERR_SOMETHING_NEW', 400), 'c'))).not.toContain('body bits');
  });

  it('keeps to the one body shape whatever is thrown', () => {
    for (const thrown of [
      new DomainError('CONFLICT', 'x', { field: 'a' }),
      new Error('x'),
      new NotFoundException(),
      new ThrottlerException(),
      42,
    ]) {
      expectShape(toErrorBody(thrown, 'c'));
    }
  });

  describe('a database or Redis that cannot be reached (npm run drill: the PostgreSQL primary restarting)', () => {
    const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });
    const query = (driverError: Error) => new QueryFailedError('SELECT 1', [], driverError);
    const cases: Array<[string, unknown]> = [
      ['a refused connection to PostgreSQL', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
      ['a reset connection', withCode('read ECONNRESET', 'ECONNRESET')],
      ['the server shutting down (57P01)', query(withCode('terminating connection due to administrator command', '57P01'))],
      ['the server starting up (57P03)', query(withCode('the database system is starting up', '57P03'))],
      ['a connection exception (08006)', query(withCode('connection failure', '08006'))],
      ['a refused connection wrapped by runSql', query(withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'))],
      ['a connection ended under a query', new Error('Connection terminated unexpectedly')],
      ['the pool timing out', new Error('timeout exceeded when trying to connect')],
      ['Redis closed', new Error('Connection is closed.')],
      ['the COMMIT of a transaction whose connection died', new QueryRunnerAlreadyReleasedError()],
      [
        'Redis retries exhausted',
        Object.assign(new Error('Reached the max retries per request limit (which is 20).'), { name: 'MaxRetriesPerRequestError' }),
      ],
    ];
    it.each(cases)('answers %s with a coded 503, without the driver message', (_what, err) => {
      jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      const body = toErrorBody(err, 'c-9');
      expect(body).toEqual({ statusCode: 503, code: 'SERVICE_UNAVAILABLE', message: body.message, correlationId: 'c-9' });
      expect(body.message).not.toMatch(/127\.0\.0\.1|administrator|ECONN/);
      expect(logged).toEqual([]);
    });

    it('still answers 500 for a query that failed for another reason (a constraint, a syntax error)', () => {
      expect(toErrorBody(query(withCode('duplicate key value', '23505')), 'c-10').statusCode).toBe(500);
      expect(toErrorBody(query(withCode('syntax error', '42601')), 'c-11').statusCode).toBe(500);
      expect(toErrorBody(new Error('Connection string is invalid'), 'c-12').statusCode).toBe(500);
    });
  });
});
