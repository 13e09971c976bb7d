import { isIPv4, isIPv6 } from 'node:net';

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
 * Anything else (not an address: only a trusted proxy writes the right-most hop) is its own key.
 * IPv4, the usual case, is returned as is after one `includes`; a mapped one after a prefix check.
 */
export function clientKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  // how Node names an IPv4 client of a dual-stack listener (HOST=::): every request there
  if (ip.startsWith('::ffff:') && isIPv4(ip.slice(7))) return ip.slice(7);
  let address = ip;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(ip);
  if (bracketed) address = bracketed[1]!;
  else {
    const withPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(ip);
    if (withPort) return isIPv4(withPort[1]!) ? withPort[1]! : ip;
  }
  address = address.replace(/%.*$/, ''); // a zone (fe80::1%eth0) is this host's interface, not the client
  if (!isIPv6(address)) return ip;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff)
    return [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.');
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
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
