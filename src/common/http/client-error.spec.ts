import { clientErrorCode, clientErrorResponse, frameworkErrorCode } from './client-error';

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
});
