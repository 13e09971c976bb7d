import { expect } from '@jest/globals';
import { transportHint } from './invites-dispatch.js';

// What dispatch and `outbox drain` add under "Dispatch STOPPED after 5 consecutive failures", for the answers a real
// Postfix gave on loopback (DECISIONS.md, sixth round: real mail software in the path).
describe('transportHint: what the fail-fast stop says to do', () => {
  it('a relay limiting this client (anvil: 450 4.7.1 too much mail) says to lower the rate and run again later', () => {
    expect(transportHint('450 4.7.1 Error: too much mail from 127.0.0.1 (attempt 4; before: …)')).toContain('lower --rate');
  });

  it('an untrusted TLS certificate says to follow the advice of the failures, not that the transport fails for everyone', () => {
    const hint = transportHint(
      "ESOCKET: self-signed certificate (TLS DEPTH_ZERO_SELF_SIGNED_CERT): not sent; the relay's TLS certificate is not trusted here",
    );
    expect(hint).toContain('TLS');
    expect(hint).not.toContain('fails the same way for everyone');
  });

  it("a relay whose message size limit is below the email's (Postfix message_size_limit: 552 5.3.4) says so", () => {
    expect(transportHint('552 5.3.4 Error: message file too big')).toContain('size limit');
    expect(transportHint('552 Message size exceeds maximum permitted')).toContain('size limit'); // Exim, no enhanced code
  });

  it("a full mailbox (552 5.2.2, the recipients' storage) is not said to be the relay's size limit", () => {
    expect(transportHint('552 5.2.2 <ana@example.org>: mailbox full')).not.toContain('size limit');
    expect(transportHint('552-5.2.2 The email account that you tried to reach is over quota.')).not.toContain('size limit');
  });

  it('a dispatch.log that cannot be written (a full disk) is not blamed on the transport', () => {
    const hint = transportHint(
      'not sent: /srv/out/dispatch.log could not be written (ENOSPC: no space left on device); an email goes out only once dispatch.log says so',
    );
    expect(hint).toContain('free some space');
    expect(hint).not.toContain('fails the same way for everyone');
  });

  it('a 5xx and exit statuses keep their hints', () => {
    expect(transportHint('535 5.7.8 Error: authentication failed')).toContain('login');
    expect(transportHint('exit 78: msmtp: account default not found')).toContain('EX_CONFIG');
  });
});
