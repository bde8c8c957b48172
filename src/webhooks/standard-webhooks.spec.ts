import { createHmac } from 'node:crypto';
import { newWebhookSecret, signature, signedHeaders } from './standard-webhooks';

describe('Standard Webhooks signing', () => {
  it('matches the specification’s example', () => {
    // The example of the specification (standard-webhooks/spec, "Verifying webhook authenticity").
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
    const body = '{"test": 2432232314}';
    expect(signature(secret, id, 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with every secret given, current first', () => {
    const [a, b] = [newWebhookSecret(), newWebhookSecret()];
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const at = new Date('2026-12-01T00:00:00Z');
    const headers = signedHeaders([a, b], 'msg_1', at, '{}');
    expect(headers['webhook-timestamp']).toBe(String(at.getTime() / 1000));
    const parts = headers['webhook-signature'].split(' ');
    expect(parts).toEqual([signature(a, 'msg_1', at.getTime() / 1000, '{}'), signature(b, 'msg_1', at.getTime() / 1000, '{}')]);
    const key = Buffer.from(a.slice('whsec_'.length), 'base64');
    expect(parts[0]).toBe(
      `v1,${createHmac('sha256', key)
        .update(`msg_1.${at.getTime() / 1000}.{}`)
        .digest('base64')}`,
    );
  });
});
