import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';

/** A local TCP server for deadline tests; `connections` counts what it accepted. */
export interface SilentServer {
  /** http://127.0.0.1:PORT */
  url: string;
  port: number;
  readonly connections: number;
  stop(): Promise<void>;
}

/**
 * `silent`: accepts every connection and never answers a byte (the upstream
 * that made the monitor hang, a database host behind a black hole);
 * `http`: answers like an HTTP server ("HTTP/1.1 400 Bad Request", then closes),
 * which sent postgres.js into a reconnect storm.
 */
export async function startSilentServer(mode: 'silent' | 'http' = 'silent'): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'http')
      socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get connections() {
      return connections;
    },
    stop: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A server that is not PostgreSQL, for DATABASE_URL tests. */
export interface NotPostgresServer extends SilentServer {
  /** a postgres:// URL pointing at it, with a password that must never be printed */
  databaseUrl: string;
}

/** startSilentServer behind a postgres:// URL (user `ops`, the given password). */
export async function startNotPostgresServer(mode: 'http' | 'silent', password = 'hunter2'): Promise<NotPostgresServer> {
  const server = await startSilentServer(mode);
  return {
    databaseUrl: `postgres://ops:${password}@127.0.0.1:${server.port}/veza`,
    url: server.url,
    port: server.port,
    get connections() {
      return server.connections;
    },
    stop: () => server.stop(),
  };
}

/** A TCP port free on 127.0.0.1 right now (for a server the test starts itself, which needs its port before it listens). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
