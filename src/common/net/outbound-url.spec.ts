import { DomainError } from '../errors/domain-error';
import {
  AddressCategory,
  assertOutboundUrlShape,
  assertSafeOutboundUrl,
  classifyAddress,
  guardedLookup,
  OutboundPolicy,
  Resolver,
} from './outbound-url';

const policy = (allowed: AddressCategory[] = [], production = true): OutboundPolicy => ({
  production,
  allowedAddresses: new Set(allowed),
});
const fakeDns =
  (table: Record<string, string[]>): Resolver =>
  (host) => {
    if (!table[host]) return Promise.reject(Object.assign(new Error('not found'), { code: 'ENOTFOUND' }));
    return Promise.resolve(table[host].map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  };

async function refusal(p: Promise<unknown>): Promise<{ code: string; details: unknown } | 'accepted'> {
  try {
    await p;
    return 'accepted';
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { code: err.code, details: err.details };
  }
}

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link_local'],
    ['febf:ffff::1', 'link_local'],
    ['fc00::1', 'unique_local'],
    ['fd12:3456:789a::1', 'unique_local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.1.2.3', 'private'],
    ['::ffff:169.254.169.254', 'link_local'],
    ['64:ff9b::a9fe:a9fe', 'link_local'],
    ['2002:c0a8:0101::1', 'private'],
    ['fe80::1%eth0', 'link_local'],
  ])('%s is %s', (address, category) => {
    expect(classifyAddress(address)).toBe(category);
  });

  it.each([
    '8.8.8.8',
    '1.1.1.1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.0',
    '11.0.0.1',
    '2001:4860:4860::8888',
    '::ffff:8.8.8.8',
    '2606:4700::1111',
  ])('%s is public', (address) => {
    expect(classifyAddress(address)).toBeNull();
  });

  it('treats anything that is not an address as refused', () => {
    expect(classifyAddress('not-an-ip')).toBe('reserved');
    expect(classifyAddress('256.1.1.1')).toBe('reserved');
  });
});

describe('assertSafeOutboundUrl', () => {
  const dns = fakeDns({
    'partner.example': ['203.0.113.10'],
    'dual.example': ['2001:db8::10', '198.51.100.7'],
    'internal.example': ['10.20.30.40'],
    'sneaky.example': ['203.0.113.10', '127.0.0.1'],
    'metadata.example': ['169.254.169.254'],
    'v6loop.example': ['::1'],
  });

  it('accepts an https URL whose host resolves to public addresses only', async () => {
    const url = await assertSafeOutboundUrl('https://partner.example/lintas', policy(), dns);
    expect(url.href).toBe('https://partner.example/lintas');
    await expect(assertSafeOutboundUrl('https://dual.example', policy(), dns)).resolves.toBeInstanceOf(URL);
  });

  it('refuses names that resolve to internal ranges, even when only one of the addresses is', async () => {
    for (const host of ['internal.example', 'sneaky.example', 'metadata.example', 'v6loop.example']) {
      expect(await refusal(assertSafeOutboundUrl(`https://${host}/`, policy(), dns))).toMatchObject({
        code: 'FEDERATION_UNSAFE_ADDRESS',
        details: { reason: 'address' },
      });
    }
  });

  it('refuses literal internal addresses without asking DNS', async () => {
    const noDns: Resolver = () => {
      return Promise.reject(new Error('DNS must not be asked'));
    };
    for (const url of [
      'https://127.0.0.1/',
      'https://[::1]:8443/',
      'https://169.254.169.254/latest',
      'https://10.0.0.5',
      'https://[::ffff:127.0.0.1]/',
      'https://0.0.0.0/',
    ]) {
      expect(await refusal(assertSafeOutboundUrl(url, policy(), noDns))).toMatchObject({ code: 'FEDERATION_UNSAFE_ADDRESS' });
    }
    await expect(assertSafeOutboundUrl('https://203.0.113.10/', policy(), noDns)).resolves.toBeInstanceOf(URL);
  });

  it('allows exactly the ranges configuration allows, never multicast or unspecified', async () => {
    const loopback = policy(['loopback'], false);
    await expect(assertSafeOutboundUrl('http://127.0.0.1:4000', loopback, dns)).resolves.toBeInstanceOf(URL);
    await expect(assertSafeOutboundUrl('https://v6loop.example', loopback, dns)).resolves.toBeInstanceOf(URL);
    expect(await refusal(assertSafeOutboundUrl('https://internal.example', loopback, dns))).toMatchObject({
      code: 'FEDERATION_UNSAFE_ADDRESS',
    });
    const everything = policy(['loopback', 'private', 'link_local', 'unique_local', 'cgnat']);
    await expect(assertSafeOutboundUrl('https://internal.example', everything, dns)).resolves.toBeInstanceOf(URL);
    expect(await refusal(assertSafeOutboundUrl('https://0.0.0.0', everything, dns))).toMatchObject({
      details: { category: 'unspecified' },
    });
    expect(await refusal(assertSafeOutboundUrl('https://224.0.0.1', everything, dns))).toMatchObject({
      details: { category: 'multicast' },
    });
  });

  it('uses the real resolver for names: localhost is loopback', async () => {
    expect(await refusal(assertSafeOutboundUrl('https://localhost:8443/', policy()))).toMatchObject({
      code: 'FEDERATION_UNSAFE_ADDRESS',
      details: { reason: 'address', category: 'loopback' },
    });
    await expect(assertSafeOutboundUrl('http://localhost:8443/', policy(['loopback'], false))).resolves.toBeInstanceOf(URL);
  });

  it('needs https in production; http only elsewhere', async () => {
    expect(await refusal(assertSafeOutboundUrl('http://partner.example', policy(), dns))).toMatchObject({
      code: 'FEDERATION_UNSAFE_ADDRESS',
      details: { reason: 'scheme', scheme: 'http' },
    });
    await expect(assertSafeOutboundUrl('http://partner.example', policy([], false), dns)).resolves.toBeInstanceOf(URL);
    for (const url of ['ftp://partner.example', 'file:///etc/passwd', 'gopher://partner.example']) {
      expect(await refusal(assertSafeOutboundUrl(url, policy([], false), dns))).toMatchObject({ details: { reason: 'scheme' } });
    }
  });

  it('refuses credentials, queries and unparseable URLs', () => {
    expect(() => assertOutboundUrlShape('https://user:pw@partner.example', policy())).toThrow(DomainError);
    expect(() => assertOutboundUrlShape('https://partner.example/?to=internal', policy())).toThrow(DomainError);
    expect(() => assertOutboundUrlShape('not a url', policy())).toThrow(DomainError);
  });

  it('a name that does not resolve is "unreachable", not "unsafe"', async () => {
    expect(await refusal(assertSafeOutboundUrl('https://nowhere.example', policy(), dns))).toMatchObject({
      code: 'FEDERATION_PARTNER_UNREACHABLE',
    });
  });
});

describe('guardedLookup (checked at connection time)', () => {
  const call = (lookup: ReturnType<typeof guardedLookup>, host: string, all = false) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown }>((resolve) =>
      lookup(host, { all }, (err, address) => resolve({ err, address })),
    );

  it('passes public addresses through and blocks internal ones', async () => {
    const dns = fakeDns({ 'partner.example': ['203.0.113.10'], 'rebind.example': ['127.0.0.1'] });
    const lookup = guardedLookup(policy(), dns);
    expect(await call(lookup, 'partner.example')).toEqual({ err: null, address: '203.0.113.10' });
    expect(await call(lookup, 'partner.example', true)).toEqual({ err: null, address: [{ address: '203.0.113.10', family: 4 }] });
    const blocked = await call(lookup, 'rebind.example');
    expect(blocked.err?.code).toBe('ELINTASBLOCKED');
  });

  it('passes resolver errors on', async () => {
    const lookup = guardedLookup(policy(), fakeDns({}));
    expect((await call(lookup, 'nowhere.example')).err?.code).toBe('ENOTFOUND');
  });
});
