/**
 * A DATABASE_URL that points at something other than PostgreSQL (an HTTP
 * server, a silent host): the command ends by the connect deadline with
 * INVITES_DB_UNREACHABLE and the URL's password hidden, in one connection
 * for a host that answers other bytes — no reconnect storm, no hang.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNotPostgresServer } from '@veza/test-support';
import { runVezaBeta } from './run-veza-beta.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-db-deadline-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('invites report on a DATABASE_URL that is not PostgreSQL', () => {
  it.each([
    ['http', '', 'the server does not speak PostgreSQL (it answered "HTTP/1.1 400'],
    ['silent', '?connect_timeout=2', 'no PostgreSQL answer within 2 s (connect_timeout)'],
  ] as const)('%s server: exit 1, INVITES_DB_UNREACHABLE with the redacted URL, by the deadline', async (mode, query, cause) => {
    const impostor = await startNotPostgresServer(mode);
    try {
      const t0 = Date.now();
      const run = await runVezaBeta(['invites', 'report'], { cwd, env: { DATABASE_URL: `${impostor.databaseUrl}${query}` } });
      expect(Date.now() - t0).toBeLessThan((mode === 'http' ? 0 : 2_000) + 10_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error INVITES_DB_UNREACHABLE: cannot reach the database at postgres://ops:***@127.0.0.1:${impostor.port}/veza${query}: ${cause}`,
      );
      expect(run.stderr).not.toContain('hunter2');
      expect(impostor.connections).toBeLessThanOrEqual(mode === 'http' ? 1 : 2);
    } finally {
      await impostor.stop();
    }
  });
});
