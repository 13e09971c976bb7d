import { isIPv4, isIPv6 } from 'node:net';
import { redactAddress } from './redact-url.js';

/**
 * The key a client is limited by (the rate limit, the admin failure limiter), from its address as
 * TRUST_PROXY resolves it (`req.ip`).
 *
 * - An IPv6 address stands for its /64 (`2001:db8:1:2::/64`): one host picks any address in its
 *   network's /64 (privacy addresses change by themselves), so a key per address gave a client
 *   2^64 buckets. One /64 is one home or one server, as one IPv4 address behind a NAT.
 * - An IPv4-mapped IPv6 address (`::ffff:203.0.113.7`, how a dual-stack listener or a proxy may
 *   write an IPv4 client) is that IPv4 address: the same client in either spelling.
 * - A port after the address (`203.0.113.7:51234`, `[2001:db8::1]:443`: some load balancers append
 *   the client's port to X-Forwarded-For) is dropped: with it, each new connection was a new bucket.
 *
 * - An address of the NAT64 well-known prefix (`64:ff9b::203.0.113.7`, RFC 6052: an IPv4 client as
 *   a stateless translator in front of an IPv6-only service writes it) is that IPv4 address: as a
 *   /64, every IPv4 client of the Internet was one bucket.
 *
 * Anything else (not an address: only a trusted proxy writes the right-most hop) is its own key, cut
 * to its first MAX_OTHER_KEY characters: a hop count trusts any peer, and a client that reaches the
 * port directly wrote a key of up to 16 KB per request (held per client for the minute), and one of
 * over 2,704 bytes failed the shared store's whole settle (its primary key's index row limit), so
 * the replicas stopped sharing their counts for every client.
 * IPv4, the usual case, is returned as is after one `includes`; a mapped one after a prefix check.
 */
export function clientKey(ip: string): string {
  if (!ip.includes(':')) return other(ip);
  // how Node names an IPv4 client of a dual-stack listener (HOST=::): every request there
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) return ip.slice(7);
  let address = ip;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) address = bracketed[1]!;
  else {
    const withPort = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3}):\d+$/i.exec(ip);
    if (withPort) return isIPv4(withPort[1]!) ? withPort[1]! : other(ip);
  }
  address = address.replace(/%.*$/, ''); // a zone (fe80::1%eth0) is this host's interface, not the client
  if (!isIPv6(address)) return other(ip);
  const groups = ipv6Groups(address);
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  const nat64 = groups[0] === 0x64 && groups[1] === 0xff9b && groups.slice(2, 6).every((g) => g === 0);
  if (mapped || nat64) return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The longest key a text that is not an address gets: an IPv6 address with a port and brackets is 53 characters. */
const MAX_OTHER_KEY = 64;

/**
 * A text that is not an address, as a key of bounded length, its codes hidden (redactAddress): on PostgreSQL the
 * key is a row of the shared store, where a code written as the forwarded address was kept in clear (invites keep
 * only their codes' digests).
 */
function other(text: string): string {
  return redactAddress(text.length <= MAX_OTHER_KEY ? text : text.slice(0, MAX_OTHER_KEY));
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a trailing dotted IPv4 as two groups). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.split('::');
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const first = parse(head);
  if (tail === undefined) return first;
  const last = parse(tail);
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last];
}
