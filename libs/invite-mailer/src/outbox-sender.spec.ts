import { claimWelcomeEmail, createInvites, isDispatcherAlive, listWelcomeOutbox, redeemInvite } from '@veza/invites-db';
import type { Connection, WelcomeOutboxRow } from '@veza/invites-db';
import { endLockSession, openTestDatabase, testBackends, watchLockLoss } from '@veza/invites-db/testing';
import { runOutboxLoop } from './outbox-loop.js';
import { openOutboxSender } from './outbox-sender.js';
import type { OutboxOptions } from './outbox-sender.js';
import { WelcomeUnavailableError } from './errors.js';
import { fakeTransport } from './testing.js';
import { sendCmdTransport } from './send-cmd-transport.js';
import { smtpTransport } from './smtp-transport.js';
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { SMTPServer } from 'smtp-server';

const buildEml = (row: WelcomeOutboxRow) =>
  Promise.resolve(Buffer.from(`To: ${row.email}\r\nSubject: welcome ${row.name ?? ''}\r\n\r\nhi\r\n`));
const options: OutboxOptions = { from: 'beta@veza.example', buildEml, rate: 1000, retryDelayMs: 1 };

/** A transport that holds every send until `release()`, then accepts it. */
function gatedTransport() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const transport = fakeTransport(async () => {
    await gate;
    return { ok: true, temporary: false, response: '250 ok' };
  });
  return { transport, release: () => release() };
}

describe.each(testBackends())('welcome outbox sender on $name', (backend) => {
  let conn: Connection;
  beforeEach(async () => {
    conn = await openTestDatabase(backend, { maxConnections: 10 });
  }, 120_000);
  afterEach(() => conn?.close());

  async function redeemed(tag: string, n: number): Promise<string[]> {
    const outcomes = await createInvites(
      conn.db,
      Array.from({ length: n }, (_, i) => ({ email: `${tag}${i}@example.org`, cohort: 'welcome', name: `N${i}` })),
    );
    for (const o of outcomes)
      if (o.status === 'created') expect((await redeemInvite(conn.db, o.code, null, { queueWelcome: true })).ok).toBe(true);
    return outcomes.map((o) => o.email);
  }

  it('sends each queued welcome email once; a second drain sends nothing; a failure is retried by the next drain, then given up after maxAttempts', async () => {
    const emails = await redeemed('w', 3);
    let bad = true;
    const transport = fakeTransport((to) =>
      to === 'w1@example.org' && bad
        ? { ok: false, temporary: false, response: `550 <${to}> unknown` }
        : { ok: true, temporary: false, response: '250 ok' },
    );
    const sender = await openOutboxSender(conn, transport, { ...options, maxAttempts: 2 });
    try {
      const first = await sender.drain();
      expect(first).toMatchObject({ sent: 2, unknown: [], exhausted: [], stopped: null });
      expect(first.failed.map((f) => f.email)).toEqual(['w1@example.org']);
      expect(transport.attempts.find((a) => a.to === 'w0@example.org')?.eml).toContain('Subject: welcome N0');
      const second = await sender.drain();
      expect(second.sent).toBe(0);
      expect(second.exhausted.map((e) => [e.email, e.attempts])).toEqual([['w1@example.org', 2]]);
      expect(second.failed).toEqual([]); // its last refusal makes it given up, listed once
      bad = false;
      expect((await sender.drain()).sent).toBe(0); // given up: an operator looks first
      expect(transport.sent.sort()).toEqual(emails.filter((e) => e !== 'w1@example.org'));
    } finally {
      await sender.close();
    }
  });

  it('a builder that cannot build (a renderer not installed) stops the drain and counts nothing against anyone; a recipient the template refuses fails alone', async () => {
    await redeemed('b', 2);
    let installed = false;
    const transport = fakeTransport(() => ({ ok: true, temporary: false, response: '250 ok' }));
    const failing = (row: WelcomeOutboxRow) => {
      if (row.email === 'b1@example.org')
        return Promise.reject(Object.assign(new Error('recipient name: refused'), { code: 'EMAIL_RECIPIENT_INVALID' }));
      if (!installed)
        return Promise.reject(new WelcomeUnavailableError(new Error("Cannot find package 'react' imported from /srv/app/x.js")));
      return buildEml(row);
    };
    const sender = await openOutboxSender(conn, transport, { ...options, buildEml: failing, maxAttempts: 2 });
    try {
      for (let drain = 0; drain < 3; drain++) {
        const summary = await sender.drain();
        expect(summary.sent).toBe(0);
        expect(summary.exhausted).toEqual([]);
        expect(summary.stopped?.response).toMatch(
          /^the welcome email was not built: .*the package 'react' is not installed; install react/,
        );
        expect(summary.stopped?.response).not.toContain('/srv/app');
      }
      const queued = await listWelcomeOutbox(conn.db);
      expect(queued.find((r) => r.email === 'b0@example.org')).toMatchObject({ attempts: 0, sentAt: null });
      installed = true;
      const after = await sender.drain();
      expect(after).toMatchObject({ sent: 1, stopped: null });
      expect(after.failed.map((f) => f.email)).toEqual(['b1@example.org']);
    } finally {
      await sender.close();
    }
  });

  it('a relay that is down (temporary failures) gives up nothing, however many drains fail; it sends when it is back', async () => {
    const emails = await redeemed('d', 2);
    let down = true;
    const transport = fakeTransport(() =>
      down
        ? { ok: false, temporary: true, response: 'ECONNECTION: connect ECONNREFUSED 127.0.0.1:2526' }
        : { ok: true, temporary: false, response: '250 ok' },
    );
    const sender = await openOutboxSender(conn, transport, { ...options, maxAttempts: 2, retries: 0 });
    try {
      for (let drain = 0; drain < 4; drain++) {
        const summary = await sender.drain();
        expect(summary.exhausted).toEqual([]);
        expect(summary.failed.map((f) => f.email).sort()).toEqual(emails);
      }
      down = false;
      expect((await sender.drain()).sent).toBe(2);
    } finally {
      await sender.close();
    }
  });

  it('a transport that is broken itself (a login the relay refuses, msmtp without an account) gives up nothing; it sends once fixed', async () => {
    // as the API drains every 10 s: a wrong SMTP password or an msmtp not configured yet gave up every welcome email within a minute
    const emails = await redeemed('t', 2);
    const relay = new SMTPServer({
      authMethods: ['PLAIN', 'LOGIN'],
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth: (auth, _session, callback) =>
        auth.password === 'right'
          ? callback(null, { user: auth.username })
          : callback(Object.assign(new Error('5.7.8 Error: authentication failed'), { responseCode: 535 })),
      onData: (stream, _session, callback) => {
        stream.resume();
        stream.on('end', () => callback(null));
      },
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const port = (relay.server.address() as AddressInfo).port;
    const broken = [
      smtpTransport(`smtp://beta:wrong-password@127.0.0.1:${port}`, 1),
      sendCmdTransport(
        'cat >/dev/null; echo "msmtp: account default not found: no configuration file available" >&2; exit 78',
        process.env,
      ),
    ];
    try {
      for (const transport of broken) {
        const sender = await openOutboxSender(conn, transport, { ...options, maxAttempts: 2 });
        try {
          for (let drain = 0; drain < 3; drain++) {
            const summary = await sender.drain();
            expect(summary.sent).toBe(0);
            expect(summary.exhausted).toEqual([]);
            expect(summary.failed.map((f) => f.email).sort()).toEqual(emails);
          }
        } finally {
          await sender.close();
          await transport.close();
        }
      }
      expect((await listWelcomeOutbox(conn.db)).map((r) => r.attempts)).toEqual([0, 0]);
      const fixed = smtpTransport(`smtp://beta:right@127.0.0.1:${port}`, 1);
      const sender = await openOutboxSender(conn, fixed, options);
      try {
        expect(await sender.drain()).toMatchObject({ sent: 2, failed: [], exhausted: [] });
      } finally {
        await sender.close();
        await fixed.close();
      }
    } finally {
      await new Promise((resolve) => relay.close(() => resolve(undefined)));
    }
  });

  it('close() during a drain lets the email in flight end and claims nothing more: the rest stays queued, none unknown', async () => {
    const emails = await redeemed('s', 4);
    const { transport, release } = gatedTransport();
    const sender = await openOutboxSender(conn, transport, options);
    const draining = sender.drain();
    while (transport.attempts.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const closing = sender.close();
    release();
    const summary = await draining;
    await closing;
    expect(summary).toMatchObject({ sent: 1, failed: [], unknown: [] });
    const next = await openOutboxSender(conn, fakeTransport(), options);
    try {
      const rest = await next.drain();
      expect(rest).toMatchObject({ sent: 3, unknown: [] });
    } finally {
      await next.close();
    }
    expect(emails).toHaveLength(4);
  });

  it('stops a broken transport after failFastAfter failures and leaves the rest queued', async () => {
    await redeemed('b', 7);
    const transport = fakeTransport(() => ({ ok: false, temporary: false, response: 'exit 78: account default not found' }));
    const sender = await openOutboxSender(conn, transport, { ...options, failFastAfter: 3 });
    try {
      expect(await sender.drain()).toMatchObject({ sent: 0, stopped: { failures: 3 } });
      expect(transport.attempts).toHaveLength(3);
      expect((await listWelcomeOutbox(conn.db)).filter((r) => r.attempts === 0)).toHaveLength(4);
    } finally {
      await sender.close();
    }
  });

  it('excludes from its next claims only the emails it gave back (failed): sent ones cannot be claimed again anyway', async () => {
    await redeemed('x', 4);
    const transport = fakeTransport((to) =>
      to === 'x1@example.org'
        ? { ok: false, temporary: false, response: `550 <${to}> unknown` }
        : { ok: true, temporary: false, response: '250 ok' },
    );
    // The queries the sender sends to the (real) database, read on their way: each claim's list of ids to leave out.
    // Every id it had claimed went into that list, so a drain of n emails sent n lists of up to n ids (n² work).
    const session = (
      conn.db as unknown as { session: { prepareQuery: (query: { sql: string; params: unknown[] }, ...rest: unknown[]) => unknown } }
    ).session;
    const prepare = session.prepareQuery;
    const excluded: string[][] = [];
    session.prepareQuery = function (this: unknown, query, ...rest) {
      if (/^update "welcome_outbox" set "claimed_at"/.test(query.sql))
        for (const param of query.params)
          if (typeof param === 'string' && param.startsWith('{')) excluded.push(param.slice(1, -1).split(',').filter(Boolean));
      return prepare.call(this, query, ...rest);
    };
    const sender = await openOutboxSender(conn, transport, options);
    try {
      const summary = await sender.drain();
      expect(summary.sent).toBe(3);
      const failed = summary.failed.map((f) => f.id);
      expect(failed).toHaveLength(1);
      // one claim per email, and one that found none; after x1 failed, only x1 is left out
      expect(excluded).toEqual([[], [], failed, failed, failed]);
    } finally {
      session.prepareQuery = prepare;
      await sender.close();
    }
  });

  (backend.name === 'postgres' ? it : it.skip)(
    'a sender that loses its lock during a drain (its session ended) claims nothing more: the email in flight ends and is recorded, the rest stays queued; the next drain takes a new lock under a new id and sends the rest',
    async () => {
      await redeemed('lk', 4);
      const { transport, release } = gatedTransport();
      const watched = watchLockLoss(conn);
      const sender = await openOutboxSender(watched.conn, transport, options);
      try {
        const first = sender.worker;
        const draining = sender.drain();
        try {
          while (transport.attempts.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
          expect(await endLockSession(conn, first)).toBe(1);
          // heard (its lock's socket closes) before the send in flight ends: waited for, not a fixed pause (1 s was
          // the slack for a loaded machine)
          expect(await watched.heard(30_000)).toBe(true);
        } finally {
          release();
        }
        expect(await draining).toMatchObject({ sent: 1, failed: [], unknown: [], stopped: null, lockLost: true });
        expect(transport.attempts).toHaveLength(1);
        const queued = (await listWelcomeOutbox(conn.db)).filter((row) => row.sentAt === null);
        expect(queued.map((row) => row.claimedBy)).toEqual([null, null, null]); // queued, claimed by nobody

        const next = await sender.drain();
        expect(next).toMatchObject({ sent: 3, unknown: [], lockLost: false });
        expect(sender.worker).not.toBe(first);
        expect(await isDispatcherAlive(conn.db, sender.worker)).toBe(true);
        expect(new Set(transport.sent).size).toBe(4);
      } finally {
        await sender.close();
      }
    },
    30_000,
  );

  it('a claim of a sender that died is reported as unknown and not resent, until resendUnknown', async () => {
    await redeemed('u', 2);
    const dead = await claimWelcomeEmail(conn.db, 'gone-host:99:ffffff', { maxAttempts: 5 });
    const transport = fakeTransport();
    const sender = await openOutboxSender(conn, transport, options);
    try {
      const summary = await sender.drain();
      expect(summary.sent).toBe(1);
      expect(summary.unknown).toEqual([expect.objectContaining({ id: dead!.id, claimedBy: 'gone-host:99:ffffff' })]);
      expect(transport.sent).not.toContain(dead!.email);
    } finally {
      await sender.close();
    }
    const resend = fakeTransport();
    const again = await openOutboxSender(conn, resend, { ...options, resendUnknown: true });
    try {
      expect(await again.drain()).toMatchObject({ sent: 1, unknown: [] });
      expect(resend.sent).toEqual([dead!.email]);
    } finally {
      await again.close();
    }
  });

  it("a claim whose lock is free but whose sender's process still runs on this machine (its lock's session was lost) is in flight there: not unknown, not resent by resendUnknown, until that process is gone", async () => {
    await redeemed('lk', 2);
    const live = spawn('sleep', ['60'], { stdio: 'ignore' });
    const exited = new Promise((resolve) => live.once('exit', resolve));
    let held: WelcomeOutboxRow | undefined;
    try {
      await new Promise((resolve, reject) => {
        live.once('spawn', resolve);
        live.once('error', reject);
      });
      held = await claimWelcomeEmail(conn.db, `${hostname()}:${live.pid}:aa00aa`, { maxAttempts: 5 });
      const transport = fakeTransport();
      const sender = await openOutboxSender(conn, transport, { ...options, resendUnknown: true });
      try {
        expect(await sender.drain()).toMatchObject({ sent: 1, unknown: [], inFlightElsewhere: 1 });
        expect(transport.sent).not.toContain(held!.email);
      } finally {
        await sender.close();
      }
    } finally {
      live.kill('SIGKILL');
      await exited;
    }
    const resend = fakeTransport();
    const again = await openOutboxSender(conn, resend, { ...options, resendUnknown: true });
    try {
      expect(await again.drain()).toMatchObject({ sent: 1, unknown: [], inFlightElsewhere: 0 });
      expect(resend.sent).toEqual([held!.email]);
    } finally {
      await again.close();
    }
  });

  it('a send whose mailer was killed after it had the message is unknown: reported once, kept claimed, not resent; unknown to the next sender', async () => {
    const emails = await redeemed('k', 3);
    const killed = {
      ok: false,
      temporary: false,
      unknown: true,
      response: 'SEND_CMD timed out after 60 s (SEND_TIMEOUT) and was killed after it had the whole message: it may have sent it',
    };
    const transport = fakeTransport((to) => (to === 'k1@example.org' ? killed : { ok: true, temporary: false, response: '250 ok' }));
    const events: string[] = [];
    const sender = await openOutboxSender(conn, transport, {
      ...options,
      resendUnknown: true,
      onEvent: (e) => events.push(`${e.type} ${e.email}`),
    });
    try {
      const first = await sender.drain();
      expect(first).toMatchObject({
        sent: 2,
        failed: [],
        unknown: [{ email: 'k1@example.org', claimedBy: sender.worker, reason: killed.response }],
      });
      expect(events).toContain('unknown k1@example.org');
      // the next drain of the same sender neither resends it (even with resendUnknown) nor calls it in flight elsewhere
      expect(await sender.drain()).toMatchObject({ sent: 0, unknown: [], inFlightElsewhere: 0 });
      expect(transport.attempts.filter((a) => a.to === 'k1@example.org')).toHaveLength(1);
    } finally {
      await sender.close();
    }
    const next = await openOutboxSender(conn, fakeTransport(), options);
    try {
      expect((await next.drain()).unknown.map((u) => u.email)).toEqual(['k1@example.org']);
    } finally {
      await next.close();
    }
    expect(emails).toHaveLength(3);
  });

  it('two senders draining at once send every welcome email exactly once', async () => {
    const emails = await redeemed('t', 20);
    const [a, b] = [fakeTransport(undefined, 3), fakeTransport(undefined, 3)];
    const [sa, sb] = await Promise.all([openOutboxSender(conn, a, options), openOutboxSender(conn, b, options)]);
    try {
      const [ra, rb] = await Promise.all([sa.drain(), sb.drain()]);
      expect(ra.sent + rb.sent).toBe(20);
      expect([...a.sent, ...b.sent].sort()).toEqual([...emails].sort());
    } finally {
      await Promise.all([sa.close(), sb.close()]);
    }
  });

  it('the loop sends a newly queued email when nudged, and stops cleanly', async () => {
    const transport = fakeTransport();
    const sender = await openOutboxSender(conn, transport, options);
    // a drain that throws is retried only at the next interval (60 s here): the failure should say why
    const errors: string[] = [];
    const loop = runOutboxLoop(sender, { intervalMs: 60_000, onError: (error) => errors.push(String(error)) });
    try {
      const [email] = await redeemed('n', 1);
      loop.nudge();
      // Polls until sent or 30 s (a loaded CI machine), and the poll stops with the deadline: no timer outlives the test.
      const until = Date.now() + 30_000;
      while (!transport.sent.includes(email!) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect({ sent: transport.sent, errors }).toEqual({ sent: [email], errors: [] });
    } finally {
      await loop.stop();
      await sender.close();
    }
  }, 60_000);
});
