import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { clientErrorCode, clientErrorHandler, clientErrorResponse, frameworkErrorCode, frameworkErrorHandler } from './client-error';

describe('client errors of the HTTP server', () => {
  it.each([
    ['ERR_HTTP_REQUEST_TIMEOUT', 'REQUEST_TIMEOUT', 408],
    ['HPE_HEADER_OVERFLOW', 'HEADERS_TOO_LARGE', 431],
    ['HPE_INVALID_METHOD', 'MALFORMED_REQUEST', 400],
    [undefined, 'MALFORMED_REQUEST', 400],
  ])('%s answers %s (%i) with the error body of every other answer', (errCode, code, status) => {
    expect(clientErrorCode({ code: errCode })).toBe(code);
    const text = clientErrorResponse({ code: errCode }, 'c0ffee');
    const [head, body] = text.split('\r\n\r\n');
    expect(head.split('\r\n')[0]).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(head).toContain('Connection: close');
    expect(JSON.parse(body)).toEqual({ statusCode: status, code, message: expect.stringMatching(/./) as string, correlationId: 'c0ffee' });
  });

  it('maps the router\u2019s refusals to Lintas codes', () => {
    expect(frameworkErrorCode({ code: 'FST_ERR_MAX_PARAM_LENGTH' })).toBe('URI_TOO_LONG');
    expect(frameworkErrorCode({ code: 'FST_ERR_BAD_URL' })).toBe('MALFORMED_REQUEST');
    expect(frameworkErrorCode({ code: 'FST_ERR_ASYNC_CONSTRAINT' })).toBe('INTERNAL_ERROR');
  });

  it('logs to the root logger: a client error at debug, a router 5xx at error, never the path', () => {
    const lines: Array<[string, object, string]> = [];
    const log = {
      debug: (obj: object, msg: string) => void lines.push(['debug', obj, msg]),
      error: (obj: object, msg: string) => void lines.push(['error', obj, msg]),
    };
    const write = jest.fn();
    const socket = { destroyed: false, writable: true, write, destroy: jest.fn() } as unknown as Socket;
    const overflow = Object.assign(new Error('header overflow in GET /api/v1/cases/Aye Mya'), {
      code: 'HPE_HEADER_OVERFLOW',
      rawPacket: Buffer.from('GET /api/v1/cases/Aye Mya HTTP/1.1'),
    });
    clientErrorHandler(() => log)(overflow, socket);
    expect(write).toHaveBeenCalledWith(expect.stringContaining('HEADERS_TOO_LARGE'));

    const reply = { code: () => reply, header: () => reply, send: jest.fn() } as unknown as FastifyReply;
    const request = { id: 'corr-router-01' } as unknown as FastifyRequest;
    const error = Object.assign(new Error("'/api/v1/cases/Aye Mya' is not valid"), { code: 'FST_ERR_ASYNC_CONSTRAINT' });
    frameworkErrorHandler(() => log)(error, request, reply);
    frameworkErrorHandler(() => log)(Object.assign(new Error('/api/v1/x%zz'), { code: 'FST_ERR_BAD_URL' }), request, reply);

    expect(lines).toEqual([
      [
        'debug',
        { correlationId: expect.any(String) as string, errorCode: 'HPE_HEADER_OVERFLOW', code: 'HEADERS_TOO_LARGE' },
        'client error before a request',
      ],
      ['error', { correlationId: 'corr-router-01', errorCode: 'FST_ERR_ASYNC_CONSTRAINT', code: 'INTERNAL_ERROR' }, 'router error'],
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/Aye|api\/v1/);
  });

  it('logs nothing, and still answers, before the app has made its logger', () => {
    const send = jest.fn();
    const reply = { code: () => reply, header: () => reply, send } as unknown as FastifyReply;
    const request = { id: 'corr-router-02' } as unknown as FastifyRequest;
    frameworkErrorHandler(() => undefined)(Object.assign(new Error('x'), { code: 'FST_ERR_X' }), request, reply);
    expect(send).toHaveBeenCalledWith(expect.stringContaining('INTERNAL_ERROR'));
  });
});
