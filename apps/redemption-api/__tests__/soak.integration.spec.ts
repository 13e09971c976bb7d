import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { openOutboxSender } from '@veza/invite-mailer';
import type { SendResult } from '@veza/invite-mailer';
import { createInvites, formatCode, listWelcomeOutbox, purgeRateLimitWindows, redeemInvite, settleRateLimitHits } from '@veza/invites-db';
import type { RateLimitHits } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import type { TestBackend } from '@veza/invites-db/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { SETTLE_MAX_BUCKETS, SharedCounter } from '../src/shared-rate-limit-store.js';
import type { RunningApi } from '../testing/start-api.js';
import { startApi } from '../testing/start-api.js';
import type { ThrowawayPostgres } from '../testing/throwaway-postgres.js';
import { postgresBinDir, startThrowawayPostgres } from '../testing/throwaway-postgres.js';

// What a long run found (docs/SOAK.md); the embedded database is enough for the sockets, the
// shared rate-limit store runs on PostgreSQL only.
const [pglite, postgresBackend] = [testBackends().find((b) => b.name === 'pglite'), testBackends().find((b) => b.name !== 'pglite')];

/** The server's open connections, as Node counts them. */
const connections = (running: RunningApi) =>
  new Promise<number>((resolve, reject) => running.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))));

/** Polls `read` until it returns `want`, or gives up after `ms` with the last value. */
async function settlesTo(read: () => Promise<number>, want: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let value = await read();
  while (value !== want && Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

describe('redemption-api over a long run', () => {
  let api: RunningApi;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    api = await startApi(pglite!, { logLevel: 'warn' }, {}, { requestTimeoutMs: 400 });
  }, 60_000);
  afterEach(() => {
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => api?.close());

  it.each([
    ['opens and never sends', null],
    ['sends half a request line', 'GET /v1/invites/'],
    ['sends a request line Node refuses', 'BREW /pot HTTP/1.1\r\n\r\n'],
    ['asks for CONNECT', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n'],
  ])(
    'lets go of a connection that %s once it has answered, even when the client keeps its side open',
    async (_what, first) => {
      const { port } = new URL(api.base);
      // A client that reads the answer and its end, and never closes its own side (allowHalfOpen):
      // what a peer that vanished, or one holding connections on purpose, looks like to the server.
      const answered = await new Promise<string>((resolve, reject) => {
        const socket = connect({ port: Number(port), host: '127.0.0.1', allowHalfOpen: true }, () => {
          if (first !== null) socket.write(first);
        });
        sockets.push(socket);
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answered).toMatch(/^HTTP\/1\.1 (408|400|405) /);
      // Each answered and half-closed socket stayed open on the server for as long as the client kept
      // its side: connections that opened and never sent piled up, one file descriptor each.
      expect(await settlesTo(() => connections(api), 0, 6_000)).toBe(0);
    },
    30_000,
  );
});

describe('the shared rate-limit store through a long database outage', () => {
  it('forgets ended windows while the database is away, and settles what is left in one statement when it is back', async () => {
    if (!postgresBackend) throw new Error('run through tools/with-postgres.sh: the shared store is PostgreSQL only');
    const conn = await openTestDatabase(postgresBackend);
    // away: a connection closed before any settle, so every statement on it fails as on a database that went away
    const away = await openTestDatabase(postgresBackend);
    await away.close();
    let databaseUp = false;
    const batches: number[] = [];
    let clock = Date.UTC(2026, 10, 29, 12, 0, 0);
    const counter = new SharedCounter({
      settle: (batch: readonly RateLimitHits[]) => {
        batches.push(batch.length);
        return settleRateLimitHits((databaseUp ? conn : away).db, batch);
      },
      purge: (before) => purgeRateLimitWindows((databaseUp ? conn : away).db, before),
      max: 1_000_000,
      windowMs: 60_000,
      flushIntervalMs: 3_600_000, // the test settles by hand, one call a simulated second
      settleWaitMs: 1_000,
      now: () => clock,
    });
    try {
      // Four minutes away, each with 1,000 clients never seen before (an address each, as through TRUST_PROXY).
      let client = 0;
      for (let minute = 0; minute < 4; minute++) {
        for (let i = 0; i < 1_000; i++) await counter.hit(`10.0.${client >> 8}.${client++ & 255}`);
        await counter.settleAll();
        clock += 60_000;
      }
      const failedWhileAway = counter.failures;
      expect(failedWhileAway).toBe(4);
      // The database is back: one more minute's clients, then the usual flush.
      databaseUp = true;
      for (let i = 0; i < 1_000; i++) await counter.hit(`10.1.${i >> 8}.${i & 255}`);
      await counter.settleAll();
      // Before: every ended window's hits were kept for the database (5,000 buckets here, growing with the
      // outage), and the first settle after it carried them all; past 21,844 buckets (65,534 parameters)
      // that statement failed, and every later one too: the counts stayed local, and the map grew, for good.
      expect(counter.failures).toBe(failedWhileAway);
      // the last minute away (its clients had not been forgotten yet: no settle failed after it ended) and this one
      expect(batches.at(-1)).toBe(2_000);
      const rows = await conn.rawTransaction((tx) => tx.query<{ buckets: number }>('select count(*)::int as buckets from api_rate_limits'));
      expect(rows[0]?.buckets).toBe(2_000);
    } finally {
      await counter.close().catch(() => undefined);
      await conn.close();
    }
  }, 120_000);

  it(`settles more clients than one statement can carry in rounds of ${SETTLE_MAX_BUCKETS.toLocaleString('en')} buckets`, async () => {
    if (!postgresBackend) throw new Error('run through tools/with-postgres.sh: the shared store is PostgreSQL only');
    const conn = await openTestDatabase(postgresBackend);
    const batches: number[] = [];
    const counter = new SharedCounter({
      settle: (batch: readonly RateLimitHits[]) => {
        batches.push(batch.length);
        return settleRateLimitHits(conn.db, batch);
      },
      purge: (before) => purgeRateLimitWindows(conn.db, before),
      max: 1_000_000,
      windowMs: 60_000,
      flushIntervalMs: 3_600_000,
      settleWaitMs: 1_000,
      now: () => Date.UTC(2026, 10, 29, 12, 0, 30),
    });
    try {
      // 25,000 clients with unsettled hits (75,000 parameters in one statement: more than PostgreSQL takes)
      for (let i = 0; i < 25_000; i++) await counter.hit(`10.2.${i >> 8}.${i & 255}`);
      for (let round = 0; round < 3; round++) await counter.settleAll();
      expect(counter.failures).toBe(0);
      expect(batches).toEqual([10_000, 10_000, 5_000]);
      const rows = await conn.rawTransaction((tx) => tx.query<{ buckets: number }>('select count(*)::int as buckets from api_rate_limits'));
      expect(rows[0]?.buckets).toBe(25_000);
    } finally {
      await counter.close().catch(() => undefined);
      await conn.close();
    }
  }, 120_000);
});

const bin = postgresBinDir();
(bin ? describe : describe.skip)('the welcome outbox when PostgreSQL goes away during a release', () => {
  let pg: ThrowawayPostgres | undefined;
  afterAll(() => pg?.remove());

  it('gives back the claim of an email the relay refused once the database is back, and sends it at the next drain', async () => {
    pg = await startThrowawayPostgres(bin!);
    const server = pg;
    const backend: TestBackend = { name: 'postgres', create: () => Promise.resolve({ url: server.url }) };
    const conn = await openTestDatabase(backend);
    const [invite] = await createInvites(conn.db, [{ email: 'welcome.me@example.org', cohort: 'soak' }]);
    if (invite?.status !== 'created') throw new Error('expected a new invite');
    await redeemInvite(conn.db, formatCode(invite.code), null, { queueWelcome: true });
    // The relay is down when the email is tried, and the database stops before the claim is given back.
    let relayUp = false;
    const sent: string[] = [];
    const transport = {
      description: 'a relay that is down, then back',
      send: async (_eml: Buffer, envelope: { to: string }): Promise<SendResult> => {
        if (relayUp) {
          sent.push(envelope.to);
          return { ok: true, temporary: false, response: '250 ok' };
        }
        await server.stop('fast');
        return { ok: false, temporary: true, response: '421 4.3.2 relay away', transportFault: true };
      },
      close: () => Promise.resolve(),
    };
    const sender = await openOutboxSender(conn, transport, {
      from: 'beta@veza.fm',
      buildEml: () => Promise.resolve(Buffer.from('Subject: Bienvenue\r\n\r\nBonjour\r\n')),
      retries: 0,
    });
    try {
      await expect(sender.drain()).rejects.toThrow();
      await server.start();
      relayUp = true;
      // the pool reconnects: the first statements after the restart may still fail
      let summary;
      for (let attempt = 0; attempt < 20 && !summary; attempt++)
        summary = await sender.drain().catch(() => new Promise<undefined>((resolve) => setTimeout(resolve, 500)));
      // Before: the claim was never given back. This sender skipped it as its own, every other one listed it
      // "unknown" (a sender died mid-send) at every drain, and nobody sent it.
      expect(summary?.sent).toBe(1);
      expect(sent).toEqual(['welcome.me@example.org']);
      const [row] = await listWelcomeOutbox(conn.db);
      expect(row?.sentAt).not.toBeNull();
    } finally {
      await sender.close().catch(() => undefined);
      await conn.close();
    }
  }, 120_000);

  it('does not give back a claim that is no longer its own: an operator resending it meanwhile sends it once', async () => {
    const server = await startThrowawayPostgres(bin!);
    const backend: TestBackend = { name: 'postgres', create: () => Promise.resolve({ url: server.url }) };
    const conn = await openTestDatabase(backend);
    const [invite] = await createInvites(conn.db, [{ email: 'once.only@example.org', cohort: 'soak' }]);
    if (invite?.status !== 'created') throw new Error('expected a new invite');
    await redeemInvite(conn.db, formatCode(invite.code), null, { queueWelcome: true });
    const sent: string[] = [];
    let relayUp = false;
    const buildEml = () => Promise.resolve(Buffer.from('Subject: Bienvenue\r\n\r\nBonjour\r\n'));
    // the API's sender: the relay refuses, the database stops before the claim is given back
    const api = await openOutboxSender(
      conn,
      {
        description: 'the API: a relay that is down, then back',
        send: async (_eml: Buffer, envelope: { to: string }): Promise<SendResult> => {
          if (relayUp) {
            sent.push(`api ${envelope.to}`);
            return { ok: true, temporary: false, response: '250 ok' };
          }
          await server.stop('fast');
          return { ok: false, temporary: true, response: '421 4.3.2 relay away', transportFault: true };
        },
        close: () => Promise.resolve(),
      },
      { from: 'beta@veza.fm', buildEml, retries: 0 },
    );
    let operator: Awaited<ReturnType<typeof openTestDatabase>> | undefined;
    try {
      await expect(api.drain()).rejects.toThrow();
      await server.start();
      relayUp = true;
      // the operator sees the claim as unknown (the API's lock went with the restart) and resends it; the send is on its way
      operator = await openTestDatabase(backend, { migrate: false });
      let arrived!: () => void;
      const onItsWay = new Promise<void>((resolve) => (arrived = resolve));
      let deliver!: () => void;
      const delivered = new Promise<void>((resolve) => (deliver = resolve));
      const cli = await openOutboxSender(
        operator,
        {
          description: 'outbox drain --resend-unknown',
          send: async (_eml: Buffer, envelope: { to: string }): Promise<SendResult> => {
            arrived();
            await delivered;
            sent.push(`cli ${envelope.to}`);
            return { ok: true, temporary: false, response: '250 ok' };
          },
          close: () => Promise.resolve(),
        },
        { from: 'beta@veza.fm', buildEml, retries: 0, resendUnknown: true },
      );
      const resent = cli.drain();
      await onItsWay;
      // the API's next drain (the pool reconnects: its first statements may still fail)
      let summary;
      for (let attempt = 0; attempt < 20 && !summary; attempt++)
        summary = await api.drain().catch(() => new Promise<undefined>((resolve) => setTimeout(resolve, 500)));
      // Before: it gave back the operator's claim, claimed the email again and sent it a second time.
      expect(summary?.sent).toBe(0);
      deliver();
      expect((await resent).sent).toBe(1);
      await cli.close();
      expect(sent).toEqual(['cli once.only@example.org']);
    } finally {
      await api.close().catch(() => undefined);
      await operator?.close();
      await conn.close();
      server.remove();
    }
  }, 120_000);
});
