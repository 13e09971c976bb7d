import { randomBytes } from 'node:crypto';
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

const pglite: TestBackend = { name: 'pglite', create: async () => ({ dataDir: 'memory://' }) };

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
