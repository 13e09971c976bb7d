import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import postgres from 'postgres';
import { openDatabase } from './connect.js';
import type { Connection } from './connect.js';
import { runMigrations } from './migrate.js';

/** A database a test suite can open: embedded PGlite always, the throwaway PostgreSQL when the test script started one. */
export interface TestBackend {
  name: 'pglite' | 'postgres';
  /** A new, empty database (and its URL for child processes, postgres only). */
  create(): Promise<{ url?: string; dataDir?: string }>;
}

const pglite: TestBackend = { name: 'pglite', create: () => Promise.resolve({ dataDir: 'memory://' }) };

function postgresBackend(adminUrl: string): TestBackend {
  return {
    name: 'postgres',
    async create() {
      const name = `veza_test_${randomBytes(6).toString('hex')}`;
      const admin = postgres(adminUrl, { max: 1, onnotice: () => undefined });
      try {
        await admin.unsafe(`CREATE DATABASE ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return { url: url.toString() };
    },
  };
}

/**
 * The backends every integration suite runs against. TEST_DATABASE_URL is set
 * by tools/with-postgres.sh (npm test); under CI its absence is an error, so
 * the PostgreSQL half of a suite can never be skipped silently there.
 */
export function testBackends(env: NodeJS.ProcessEnv = process.env): TestBackend[] {
  const url = env['TEST_DATABASE_URL'];
  if (url) return [pglite, postgresBackend(url)];
  if (env['CI']) throw new Error('TEST_DATABASE_URL is not set: run the tests through tools/with-postgres.sh (npm test)');
  return [pglite];
}

/** Opens a fresh, migrated database on a backend. */
export async function openTestDatabase(backend: TestBackend, options: { migrate?: boolean; maxConnections?: number } = {}): Promise<Connection & { url?: string }> {
  const created = await backend.create();
  const conn = await openDatabase({ databaseUrl: created.url, dataDir: created.dataDir, maxConnections: options.maxConnections });
  if (options.migrate ?? true) await runMigrations(conn);
  return Object.assign(conn, created.url ? { url: created.url } : {});
}

/** A local server that is not PostgreSQL, for DATABASE_URL tests; `connections` counts what it accepted. */
export interface NotPostgresServer {
  /** a postgres:// URL pointing at it, with a password that must never be printed */
  databaseUrl: string;
  port: number;
  readonly connections: number;
  stop(): Promise<void>;
}

/**
 * `http`: answers every connection like an HTTP server ("HTTP/1.1 400 Bad
 * Request", then closes), which sent postgres.js into a reconnect storm;
 * `silent`: accepts and never answers.
 */
export async function startNotPostgresServer(mode: 'http' | 'silent', password = 'hunter2'): Promise<NotPostgresServer> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    if (mode === 'http') socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    databaseUrl: `postgres://ops:${password}@127.0.0.1:${port}/veza`,
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
