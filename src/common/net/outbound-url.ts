/**
 * Where this deployment may send requests. A partner's base URL or a webhook URL is typed in by a person and later
 * followed by the worker, so a URL that reaches inside the network (the metadata service, the database, an admin port)
 * must be refused — at registration and again at every connection, because a name can resolve differently later.
 * Pure rules over a policy the caller builds from its configuration (federation: FEDERATION_ALLOW_PRIVATE_ADDRESSES,
 * webhooks: WEBHOOK_ALLOW_PRIVATE_ADDRESSES); the error codes are the caller's too.
 */
import { LookupAddress, lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { DomainError } from '../errors/domain-error';
import { ErrorCode } from '../errors/error-codes';
import { ALLOWABLE_ADDRESS_CATEGORIES, AddressCategory } from '../vocabulary/federation';

export { ALLOWABLE_ADDRESS_CATEGORIES };
export type { AddressCategory };
/** Never reachable, whatever the configuration says. */
export type ForbiddenCategory = AddressCategory | 'unspecified' | 'multicast' | 'reserved';

/** What a caller allows: its configuration's ranges, and how its refusals are named. */
export interface OutboundPolicy {
  /** Production: https only. */
  production: boolean;
  /** Ranges besides public addresses this caller may reach (never unspecified, multicast or reserved). */
  allowedAddresses: ReadonlySet<AddressCategory>;
  /** The caller's error codes; federation's by default. */
  codes?: { unsafe: ErrorCode; unreachable: ErrorCode };
  /** What the messages call the address ("Partner addresses", "Webhook URLs"). */
  subject?: string;
  /** A query string is part of some receivers' URLs (webhooks); a partner's base URL has none. */
  allowQuery?: boolean;
}

const FEDERATION_CODES = { unsafe: 'FEDERATION_UNSAFE_ADDRESS', unreachable: 'FEDERATION_PARTNER_UNREACHABLE' } as const;
const codesOf = (policy: OutboundPolicy) => policy.codes ?? FEDERATION_CODES;

function ipv4ToInt(address: string): number | null {
  const parts = address.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return null;
    n = n * 256 + Number(p);
  }
  return n;
}

const V4_RANGES: Array<[string, number, ForbiddenCategory]> = [
  ['0.0.0.0', 8, 'unspecified'], // "this network"; 0.0.0.0 itself reaches the local host
  ['127.0.0.0', 8, 'loopback'],
  ['10.0.0.0', 8, 'private'],
  ['172.16.0.0', 12, 'private'],
  ['192.168.0.0', 16, 'private'],
  ['169.254.0.0', 16, 'link_local'], // includes 169.254.169.254, the cloud metadata service
  ['100.64.0.0', 10, 'cgnat'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'], // includes 255.255.255.255
];

function classifyV4(address: string): ForbiddenCategory | null {
  const n = ipv4ToInt(address);
  if (n === null) return 'reserved';
  for (const [base, bits, category] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((n & mask) >>> 0 === (ipv4ToInt(base)! & mask) >>> 0) return category;
  }
  return null;
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address. Handles "::" and a dotted IPv4 tail. */
function ipv6Groups(address: string): number[] | null {
  let text = address.split('%')[0].toLowerCase();
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (tail) {
    const n = ipv4ToInt(tail[1]);
    if (n === null) return null;
    text = text.slice(0, -tail[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

const v4From = (hi: number, lo: number): string => [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff].join('.');

function classifyV6(address: string): ForbiddenCategory | null {
  const g = ipv6Groups(address);
  if (!g) return 'reserved';
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  // Addresses that carry an IPv4 address: judge the IPv4 address (::ffff:127.0.0.1 is loopback).
  if (zeroUpTo(5) && g[5] === 0xffff) return classifyV4(v4From(g[6], g[7])); // IPv4-mapped
  if (zeroUpTo(6)) return classifyV4(v4From(g[6], g[7])); // IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return classifyV4(v4From(g[6], g[7])); // NAT64
  if (g[0] === 0x2002) return classifyV4(v4From(g[1], g[2])); // 6to4
  if ((g[0] & 0xffc0) === 0xfe80) return 'link_local';
  if ((g[0] & 0xfe00) === 0xfc00) return 'unique_local';
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  if ((g[0] & 0xffc0) === 0xfec0) return 'reserved'; // deprecated site-local
  return null;
}

/** The forbidden range an address falls in, or null for an ordinary public address. */
export function classifyAddress(address: string): ForbiddenCategory | null {
  const family = isIP(address);
  if (family === 4) return classifyV4(address);
  if (family === 6) return classifyV6(address);
  return 'reserved';
}

export function isAllowedAddress(address: string, policy: OutboundPolicy): boolean {
  const category = classifyAddress(address);
  return category === null || (policy.allowedAddresses as ReadonlySet<string>).has(category);
}

/** Checks the URL itself (scheme, no credentials, a host); a literal IP address is judged here too. */
export function assertOutboundUrlShape(raw: string, policy: OutboundPolicy): URL {
  const unsafe = (message: string, details: Record<string, unknown>) => new DomainError(codesOf(policy).unsafe, message, details);
  const subject = policy.subject ?? 'Partner addresses';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw unsafe('The address is not a valid URL', { reason: 'invalid_url' });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && !policy.production)) {
    throw unsafe(policy.production ? `${subject} must use https` : `${subject} must use https or http`, {
      reason: 'scheme',
      scheme: url.protocol.replace(/:$/, ''),
    });
  }
  if (url.username || url.password) throw unsafe('The address must not carry credentials', { reason: 'credentials' });
  if (!url.hostname) throw unsafe('The address has no host', { reason: 'no_host' });
  if ((url.search && !policy.allowQuery) || url.hash) throw unsafe('The address must not carry a query or fragment', { reason: 'query' });
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(literal) && !isAllowedAddress(literal, policy)) {
    throw unsafe('The address is in a range this deployment does not call', { reason: 'address', category: classifyAddress(literal) });
  }
  return url;
}

export type Resolver = (host: string) => Promise<LookupAddress[]>;
const systemResolver: Resolver = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );

/**
 * The whole check: the URL's shape, then every address its host resolves to (one bad address refuses the URL: the
 * connection could use any of them). Returns the parsed URL.
 */
export async function assertSafeOutboundUrl(raw: string, policy: OutboundPolicy, resolve: Resolver = systemResolver): Promise<URL> {
  const url = assertOutboundUrlShape(raw, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return url;
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(host);
  } catch {
    throw new DomainError(codesOf(policy).unreachable, 'The host name does not resolve', { reason: 'dns' });
  }
  if (addresses.length === 0) throw new DomainError(codesOf(policy).unreachable, 'The host name does not resolve', { reason: 'dns' });
  for (const { address } of addresses) {
    if (!isAllowedAddress(address, policy)) {
      throw new DomainError(codesOf(policy).unsafe, 'The host resolves to an address in a range this deployment does not call', {
        reason: 'address',
        category: classifyAddress(address),
      });
    }
  }
  return url;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http(s).request: the address a connection is actually made to is the one that was checked, so a name
 * that answers a public address to the check and a private one to the connection (DNS rebinding) gets nowhere.
 */
export function guardedLookup(policy: OutboundPolicy, resolve: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean } | number, callback: LookupCallback): void => {
    resolve(hostname).then(
      (addresses) => {
        const bad = addresses.find((a) => !isAllowedAddress(a.address, policy));
        if (bad || addresses.length === 0) {
          const err: NodeJS.ErrnoException = new Error('refused: address range not allowed for outbound calls');
          err.code = 'ELINTASBLOCKED';
          callback(err, '', undefined);
          return;
        }
        if (typeof options === 'object' && options?.all) callback(null, addresses);
        else callback(null, addresses[0].address, addresses[0].family);
      },
      (err: NodeJS.ErrnoException) => callback(err, '', undefined),
    );
  };
}
