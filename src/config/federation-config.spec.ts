import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { AppConfig } from './app-config';
import { ConfigurationError } from './env.validation';
import { parseAllowedAddresses, parseMilestonePeriods } from './federation-config';

describe('federation and referral settings', () => {
  it('reads the allowed address ranges and refuses unknown ones', () => {
    expect([...parseAllowedAddresses('')]).toEqual([]);
    expect([...parseAllowedAddresses(' loopback , private ')]).toEqual(['loopback', 'private']);
    expect(() => parseAllowedAddresses('loopback,multicast')).toThrow(ConfigurationError);
    expect(() => parseAllowedAddresses('all')).toThrow(/FEDERATION_ALLOW_PRIVATE_ADDRESSES/);
  });

  it('overrides milestone periods one by one and keeps the other defaults', () => {
    const periods = parseMilestonePeriods('home_state_notified=96, departed=240:acceptance');
    expect(periods.home_state_notified).toEqual({ hours: 96, from: 'acceptance' });
    expect(periods.departed).toEqual({ hours: 240, from: 'acceptance' });
    expect(periods.nationality_verified).toEqual({ hours: 720, from: 'previous' });
  });

  it('takes seconds with an "s" suffix, for drills and tests', () => {
    expect(parseMilestonePeriods('arrived=36s').arrived).toEqual({ hours: 0.01, from: 'previous' });
  });

  it.each(['arrived=0s', 'arrived=5m', 'unknown_step=10', 'arrived=0', 'arrived=ten', 'arrived=10:later', 'arrived'])(
    'refuses "%s"',
    (value) => {
      expect(() => parseMilestonePeriods(value)).toThrow(ConfigurationError);
    },
  );

  it('puts it all in AppConfig, with a node id derived from the signing key unless one is set', () => {
    const pem = (k: ReturnType<typeof generateKeyPairSync>['privateKey']) => k.export({ type: 'pkcs8', format: 'pem' }).toString();
    // Every key given, so nothing is generated on disk.
    const base = {
      DATABASE_URL: 'postgres://x@127.0.0.1/x',
      REDIS_URL: 'redis://127.0.0.1',
      NODE_ENV: 'test',
      JWT_PRIVATE_KEY: pem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
      NODE_SIGNING_KEY: pem(generateKeyPairSync('ed25519').privateKey),
      LINTAS_MASTER_KEY: `t1:${randomBytes(32).toString('base64')}`,
      LINTAS_BLIND_INDEX_KEY: randomBytes(32).toString('base64'),
    };
    const derived = AppConfig.fromEnvironment(base);
    expect(derived.federation.nodeId).toBe(`lintas-${derived.node.keyId}`);
    expect(derived.referrals.acceptanceHours).toBe(72);
    const set = AppConfig.fromEnvironment({
      ...base,
      FEDERATION_NODE_ID: 'lintas-th.example.org',
      FEDERATION_ALLOW_PRIVATE_ADDRESSES: 'loopback',
      REFERRAL_ACCEPTANCE_HOURS: '96',
      REFERRAL_MILESTONE_PERIODS: 'arrived=12',
    });
    expect(set.federation.nodeId).toBe('lintas-th.example.org');
    expect([...set.federation.allowedAddresses]).toEqual(['loopback']);
    expect(set.referrals.acceptanceHours).toBe(96);
    expect(set.referrals.milestones.arrived).toEqual({ hours: 12, from: 'previous' });
    expect(() => AppConfig.fromEnvironment({ ...base, FEDERATION_NODE_ID: 'has space' })).toThrow(/FEDERATION_NODE_ID/);
  });
});
