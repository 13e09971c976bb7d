import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInvites, formatCode, openDatabase, runMigrations } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, describe, expect, it } from '@jest/globals';

const bin = fileURLToPath(new URL('../bin/redemption-api.mjs', import.meta.url));
const cleanEnv = () => {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'], HOME: process.env['HOME'] };
  return env;
};

describe('configuration errors stop the start', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT', 'eighty'],
    [{ PORT: '70000' }, 'PORT', undefined],
    [{ CORS_ORIGINS: 'https://veza.fm,not a url' }, 'CORS_ORIGINS', undefined],
    [{ ADMIN_TOKEN: 'short-secret-token' }, 'ADMIN_TOKEN', undefined],
    [{ RATE_LIMIT_PER_MINUTE: '0' }, 'RATE_LIMIT_PER_MINUTE', undefined],
    [{ DATABASE_URL: 'mysql://root:hunter2@db/x' }, 'DATABASE_URL', undefined],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', undefined],
    [{ TRUST_PROXY: 'sometimes' }, 'TRUST_PROXY', undefined],
  ])('%j exits 3 naming %s', (vars, variable, shown) => {
    const result = spawnSync(process.execPath, [bin], { env: { ...cleanEnv(), ...vars }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`configuration error: ${variable} `);
    if (shown) expect(result.stderr).toContain(shown);
    expect(result.stderr).not.toContain('short-secret-token');
    expect(result.stderr).not.toContain('hunter2');
  });
});

describe('graceful shutdown', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A migrated database a child process can open, with one invite; postgres when the test script started one. */
  async function prepareDatabase(): Promise<{ env: NodeJS.ProcessEnv; code: string }> {
    const postgres = testBackends().find((b) => b.name === 'postgres');
    let env: NodeJS.ProcessEnv;
    let options;
    if (postgres) {
      const { url } = await postgres.create();
      env = { DATABASE_URL: url };
      options = { databaseUrl: url };
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'veza-api-'));
      dirs.push(dir);
      env = { VEZA_DATA_DIR: dir };
      options = { dataDir: join(dir, 'db') };
    }
    const conn = await openDatabase(options);
    await runMigrations(conn);
    const [outcome] = await createInvites(conn.db, [{ email: 'late@example.org', cohort: 'shutdown' }]);
    await conn.close();
    if (outcome?.status !== 'created') throw new Error('expected a new invite');
    return { env, code: formatCode(outcome.code) };
  }

  function waitForLine(child: ChildProcessWithoutNullStreams, output: string[], pattern: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const line = output.join('').split('\n').find((l) => pattern.test(l));
        if (line) {
          child.stdout.off('data', check);
          resolve(line);
        }
      };
      child.stdout.on('data', check);
      child.once('exit', () => reject(new Error(`exited before ${pattern}: ${output.join('')}`)));
      check();
    });
  }

  it('finishes an in-flight redeem after SIGTERM, refuses new connections, closes the database, exits 0', async () => {
    const { env, code } = await prepareDatabase();
    const child = spawn(process.execPath, [bin], { env: { ...cleanEnv(), ...env, PORT: '0', LOG_LEVEL: 'info' } });
    const output: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (status) => resolve(status)));

    const listening = await waitForLine(child, output, /Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)?.[1]);

    // A redeem whose body is still arriving: the server has the request, not yet its end.
    const body = JSON.stringify({ code });
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const responded = new Promise((resolve) => socket.on('end', resolve));
    socket.write(`POST /v1/invites/redeem HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`);
    await waitForLine(child, output, /"url":"\/v1\/invites\/redeem".*incoming request/);

    child.kill('SIGTERM');
    await waitForLine(child, output, /shutting down/);
    // The listener closes (new connections refused) while the in-flight request is still open.
    const probe = () =>
      new Promise<string>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve('connected');
        });
        socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
    let refused = await probe();
    for (let i = 0; i < 100 && refused === 'connected'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refused = await probe();
    }
    expect(refused).toBe('ECONNREFUSED');
    expect(output.join('')).not.toMatch(/stopped/);

    socket.write(body.slice(5));
    await responded;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain('"state":"redeemed"');

    expect(await exited).toBe(0);
    expect(output.join('')).toMatch(/stopped: server closed, database closed/);
    expect(output.join('')).not.toContain(code);
  }, 60_000);
});
