import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { testBackends } from '@veza/invites-db/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { RunningApi } from '../testing/start-api.js';
import { startApi } from '../testing/start-api.js';

// What a long run found (docs/SOAK.md); the embedded database is enough for these.
const [pglite] = testBackends().filter((b) => b.name === 'pglite');

let api: RunningApi | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await api?.close();
  api = undefined;
});

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
  it.each([
    ['opens and never sends', null],
    ['sends half a request line', 'GET /v1/invites/'],
    ['sends a request line Node refuses', 'BREW /pot HTTP/1.1\r\n\r\n'],
    ['asks for CONNECT', 'CONNECT example.org:443 HTTP/1.1\r\nHost: example.org:443\r\n\r\n'],
  ])(
    'lets go of a connection that %s once it has answered, even when the client keeps its side open',
    async (_what, first) => {
      api = await startApi(pglite!, { logLevel: 'warn' }, {}, { requestTimeoutMs: 400 });
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
      expect(await settlesTo(() => connections(api!), 0, 6_000)).toBe(0);
    },
    30_000,
  );
});
