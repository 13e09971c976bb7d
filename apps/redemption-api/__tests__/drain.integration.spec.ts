import { connect } from 'node:net';
import { testBackends } from '@veza/invites-db/testing';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { RunningApi } from '../testing/start-api.js';
import { seedInvites, startApi } from '../testing/start-api.js';

let api: RunningApi | undefined;
afterEach(async () => {
  await api?.conn.close();
  api = undefined;
});

describe.each(testBackends())('draining on $name', (backend) => {
  // A reverse proxy keeps its connections to the API open between requests. A redeem in flight at
  // SIGTERM was answered without "Connection: close", so its connection stayed open after the answer:
  // the drain waited for it until SHUTDOWN_TIMEOUT_MS ("shutdown timed out", exit 1, the database left
  // unclosed), and the proxy kept sending requests to the stopping replica over it meanwhile.
  it('answers a request in flight on a keep-alive connection with Connection: close, and close() ends without waiting for it', async () => {
    api = await startApi(backend, { logLevel: 'warn' });
    const { valid } = await seedInvites(api.conn);
    const { port } = new URL(api.base);
    const body = JSON.stringify({ code: valid });
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (response += chunk));
    const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    const deadline = setTimeout(() => socket.destroy(), 20_000);
    // keep-alive (HTTP/1.1, no Connection header), as a proxy's upstream connection; 100-continue says the server has the request
    socket.write(
      `POST /v1/invites/redeem HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`,
    );
    for (let i = 0; i < 400 && !response.includes('100 Continue'); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(response).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\n/);

    api.app.startDraining();
    const closing = api.app.close().then(() => 'closed');
    socket.write(body);
    await ended;
    clearTimeout(deadline);
    const closed = await Promise.race([closing, new Promise((resolve) => setTimeout(() => resolve('still open after 5 s'), 5_000))]);

    expect(response).toMatch(/HTTP\/1\.1 200 /);
    expect(response).toContain('"state":"redeemed"');
    expect(response.toLowerCase()).toContain('\r\nconnection: close\r\n');
    expect(closed).toBe('closed');
  }, 30_000);
});
