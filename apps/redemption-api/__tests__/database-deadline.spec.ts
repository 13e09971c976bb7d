/**
 * The API reaches its exit 4 (database unreachable at start) when
 * DATABASE_URL points at something other than PostgreSQL: an HTTP server is
 * refused in one connection, a silent host by connect_timeout.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { childEnv, startNotPostgresServer } from '@veza/test-support';

const bin = fileURLToPath(new URL('../bin/redemption-api.mjs', import.meta.url));

function start(databaseUrl: string): Promise<{ code: number | null; stderr: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin], {
      env: childEnv({
        DATABASE_URL: databaseUrl,
        PORT: '0',
      }),
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    child.stdout.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, ms: Date.now() - t0 });
    });
  });
}

describe('start on a DATABASE_URL that is not PostgreSQL', () => {
  it.each([
    ['http', '', 'the server does not speak PostgreSQL'],
    ['silent', '?connect_timeout=2', 'no PostgreSQL answer within 2 s (connect_timeout)'],
  ] as const)('%s server: exit 4 by the deadline, the URL without its password', async (mode, query, cause) => {
    const impostor = await startNotPostgresServer(mode);
    try {
      const ran = await start(`${impostor.databaseUrl}${query}`);
      expect(ran.code).toBe(4);
      expect(ran.ms).toBeLessThan((mode === 'http' ? 0 : 2_000) + 15_000);
      expect(ran.stderr).toContain(
        `redemption-api: cannot reach the database at postgres://ops:***@127.0.0.1:${impostor.port}/veza${query}: ${cause}`,
      );
      expect(ran.stderr).not.toContain('hunter2');
      expect(impostor.connections).toBeLessThanOrEqual(mode === 'http' ? 1 : 2);
    } finally {
      await impostor.stop();
    }
  });
});
