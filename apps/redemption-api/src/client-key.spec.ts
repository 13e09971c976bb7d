import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { clientKey } from './client-key.js';
import { redactAddress } from './redact-url.js';

describe('clientKey', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['2001:db8:1:2::1', '2001:db8:1:2::/64'],
    ['2001:db8:1:2:aaaa:bbbb:cccc:dddd', '2001:db8:1:2::/64'],
    ['2001:0DB8:0001:0002:0:0:0:1', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8:1:2::9]:443', '2001:db8:1:2::/64'],
    ['[2001:db8:1:2::9]', '2001:db8:1:2::/64'],
    ['[::ffff:203.0.113.7]:80', '203.0.113.7'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['not-an-ip', 'not-an-ip'],
    ['999.0.113.7:80', '999.0.113.7:80'],
    ['2001:db8::g', '2001:db8::g'],
    // a stateless NAT64 translator (RFC 6052's well-known prefix) writes each IPv4 client so: one /64 was all of them
    ['64:ff9b::203.0.113.7', '203.0.113.7'],
    ['64:ff9b::cb00:7107', '203.0.113.7'],
    ['64:ff9b:0:0:1::cb00:7107', '64:ff9b:0:0::/64'],
    // mapped, with the port appended and no brackets: a bucket per connection
    ['::ffff:203.0.113.7:51234', '203.0.113.7'],
    // not an address, and a code (held in clear in the shared store's table, where codes are only digests)
    ['16SW-P2V9-CXSN-XJ4Z', '[redacted]'],
    ['16sw.p2v9.cxsn.xj4z', '[redacted]'],
    ['#: 16SWP2V9CXSNXJ4Z', '#: [redacted]'],
  ])('%s is limited as %s', (ip, key) => {
    expect(clientKey(ip)).toBe(key);
  });

  it('keys a text that is not an address by its first 64 characters: a client that writes its own hop chose keys of 16 KB', () => {
    for (const text of ['?'.repeat(3000), `1.2.3.4${' '.repeat(5000)}`]) expect(clientKey(text)).toBe(text.slice(0, 64));
    // a run of 8 code characters or more in them is hidden as a code would be
    for (const text of ['x'.repeat(3000), `[${'a'.repeat(4000)}]:80`, `999.0.113.7:${'9'.repeat(4000)}`])
      expect(clientKey(text)).toBe(redactAddress(text.slice(0, 64)));
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => expect(clientKey(text).length).toBeLessThanOrEqual(64)));
  });

  const group = fc.integer({ min: 0, max: 0xffff });
  const groups = fc.array(group, { minLength: 8, maxLength: 8 }).filter((g) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff));
  const spelled = (g: number[]) => g.map((x) => x.toString(16)).join(':');

  it('gives every address of one /64 the same key, and addresses of two /64s two keys', () => {
    fc.assert(
      fc.property(groups, fc.array(group, { minLength: 4, maxLength: 4 }), (a, otherHost) => {
        const sameNetwork = [...a.slice(0, 4), ...otherHost];
        expect(clientKey(spelled(sameNetwork))).toBe(clientKey(spelled(a)));
        // the shortest spelling (Node's, `::` for the longest run of zeros) names the same network
        expect(clientKey(new URL(`http://[${spelled(a)}]/`).hostname.slice(1, -1))).toBe(clientKey(spelled(a)));
        const otherNetwork = [...a.slice(0, 3), (a[3]! + 1) % 0x10000, ...a.slice(4)];
        expect(clientKey(spelled(otherNetwork))).not.toBe(clientKey(spelled(a)));
      }),
    );
  });

  it('spells an IPv4 client one way, plain or mapped, with or without a port', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        for (const form of [ip, `::ffff:${ip}`, `${ip}:${port}`, `[::ffff:${ip}]:${port}`]) expect(clientKey(form)).toBe(ip);
      }),
    );
  });

  it('keys any IPv6 address fast-check spells as its /64, or as the IPv4 address it maps', () => {
    fc.assert(fc.property(fc.ipV6(), (ip) => expect(clientKey(ip)).toMatch(/^([0-9a-f]{1,4}:){4}:\/64$|^\d{1,3}(\.\d{1,3}){3}$/)));
  });
});
