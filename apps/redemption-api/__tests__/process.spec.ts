import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInvites, formatCode, openDatabase, runMigrations } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';
import { childEnv, ctrlC, freePort, gone, killLauncher, killLeftovers, startLaunched, trackApp } from '@veza/test-support';

const bin = fileURLToPath(new URL('../bin/redemption-api.mjs', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

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
    [{ TRUST_PROXY: 'true' }, 'TRUST_PROXY', 'behind one load balancer use 1'],
    [{ ADMIN_TOKEN: 'a'.repeat(24) }, 'ADMIN_TOKEN', 'too little entropy'],
    [{ ADMIN_TOKEN: 'Zq8vN2c-Hk4tRw9x Lm3pYb7sJd1F' }, 'ADMIN_TOKEN', 'must not contain whitespace'],
  ])('%j exits 3 naming %s', (vars, variable, shown) => {
    const result = spawnSync(process.execPath, [bin], { env: { ...childEnv(), ...vars }, encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(3);
    expect(result.stderr).toContain(`configuration error: ${variable} `);
    if (shown) expect(result.stderr).toContain(shown);
    expect(result.stderr).not.toContain('short-secret-token');
    expect(result.stderr).not.toContain('a'.repeat(24));
    expect(result.stderr).not.toContain('Lm3pYb7sJd1F');
    expect(result.stderr).not.toContain('hunter2');
  });
});

describe('an address it cannot listen on stops the start with exit 3, naming HOST or PORT, not "this is a bug"', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'veza-api-listen-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it.each([
    // an address of another machine (an IPv6 link-local of no interface here, a documentation IPv4)
    [{ HOST: '192.0.2.1' }, 'EADDRNOTAVAIL', 'HOST=192.0.2.1 is not an address of this machine'],
    [{ HOST: 'fe80::1%lo' }, 'EADDRNOTAVAIL', 'HOST=fe80::1%lo is not an address of this machine'],
    // a link-local address without its interface: the kernel refuses it (EINVAL) before it looks whether the
    // machine has it; before: "unexpected failure (this is a bug): Error: listen EINVAL", a stack, exit 1
    [{ HOST: 'fe80::1' }, 'EINVAL', 'HOST=fe80::1 is an IPv6 link-local address without its interface: add it (fe80::1%eth0)'],
    [{ HOST: 'FE80::1' }, 'EINVAL', 'HOST=FE80::1 is an IPv6 link-local address without its interface: add it (FE80::1%eth0)'],
  ])(
    '%j: %s',
    (vars, code, says) => {
      const result = spawnSync(process.execPath, [bin], {
        env: childEnv({ VEZA_DATA_DIR: dataDir, PORT: '0', ...vars }),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.stderr).not.toContain('this is a bug');
      expect(result.stderr).toContain(`redemption-api: configuration error: cannot listen (${code}): ${says}`);
      expect(result.status).toBe(3);
    },
    40_000,
  );

  it('a port another process holds: exit 3, naming PORT', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as { port: number }).port;
    try {
      const result = spawnSync(process.execPath, [bin], {
        env: childEnv({ VEZA_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port) }),
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.stderr).not.toContain('this is a bug');
      expect(result.stderr).toContain(
        `redemption-api: configuration error: cannot listen (EADDRINUSE): PORT=${port} on 127.0.0.1 is in use by another process`,
      );
      expect(result.status).toBe(3);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 40_000);
});

describe('graceful shutdown', () => {
  const dirs: string[] = [];
  afterEach(killLeftovers); // a failing test must not leave an orphan behind
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  /** A migrated database a child process can open, with one invite; postgres when the test script started one (unless `embedded`). */
  async function prepareDatabase({ embedded = false } = {}): Promise<{ env: NodeJS.ProcessEnv; code: string }> {
    const postgres = embedded ? undefined : testBackends().find((b) => b.name === 'postgres');
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

  /** The bin in a process group of its own, as a terminal starts it; every wait has a deadline. */
  function startBin(env: NodeJS.ProcessEnv, cwd?: string) {
    const run = startLaunched(bin, { env: { ...childEnv(), LOG_LEVEL: 'info', ...env }, cwd });
    return { ...run, ready: async () => JSON.parse(await run.waitForLine(/redemption-api ready/)) as Record<string, unknown> };
  }

  it('reads DATABASE_URL (or VEZA_DATA_DIR), PORT and ADMIN_TOKEN from .env, and says which database and port, and from where', async () => {
    const { env, code } = await prepareDatabase();
    const cwd = mkdtempSync(join(tmpdir(), 'veza-api-dotenv-'));
    dirs.push(cwd);
    // trust authentication ignores the password: it is there to prove that the log hides it
    const dbLine = env['DATABASE_URL']
      ? `DATABASE_URL=${env['DATABASE_URL'].replace('postgres@', 'postgres:dotenv-secret-pw@')}`
      : `VEZA_DATA_DIR=${env['VEZA_DATA_DIR']}`;
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const token = 'Zq8vN2c-Hk4tRw9xLm3pYb7sJd1F-dotenv';
    writeFileSync(join(cwd, '.env'), `${dbLine}\nPORT=${port}\nADMIN_TOKEN=${token}\n`);
    const run = startBin({}, cwd);
    const ready = await run.ready();
    const variable = env['DATABASE_URL'] ? 'DATABASE_URL' : 'VEZA_DATA_DIR';
    expect(ready).toMatchObject({
      port,
      admin: 'on',
      envFile: join(cwd, '.env'),
      from: { [variable]: join(cwd, '.env'), PORT: join(cwd, '.env'), ADMIN_TOKEN: join(cwd, '.env') },
    });
    expect(String(ready['database'])).toMatch(
      env['DATABASE_URL'] ? /^postgres:\/\/postgres(:\*+)?@127\.0\.0\.1:\d+\/veza_test_/ : /^embedded database .*\/db$/,
    );
    expect((await fetch(`http://127.0.0.1:${port}/v1/invites/${code}`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/v1/admin/report`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    run.child.kill('SIGTERM');
    expect((await run.exited).code).toBe(0);
    expect(run.output()).not.toContain('dotenv-secret-pw');
    expect(run.output()).not.toContain(token);
  }, 90_000);

  it('an embedded database another process holds stops the start with exit 4 and who holds it, not "this is a bug"', async () => {
    // a second `npm run api` in another terminal, a restart while the old process still stops: exit 1 and a stack trace
    const { env } = await prepareDatabase({ embedded: true });
    const holder = await openDatabase({ dataDir: join(String(env['VEZA_DATA_DIR']), 'db') });
    try {
      const result = spawnSync(process.execPath, [bin], { env: { ...childEnv(), ...env, PORT: '0' }, encoding: 'utf8', timeout: 30_000 });
      expect(result.status).toBe(4);
      expect(result.stderr).toContain(`is in use by process ${process.pid}`);
      expect(result.stderr).not.toContain('this is a bug');
      expect(result.stderr).not.toMatch(/^\s+at /m);
    } finally {
      await holder.close();
    }
  }, 90_000);

  it('names a misspelled setting of its .env (DATABSE_URL) and that the embedded database is used instead, never its value', async () => {
    // the API started on a new embedded database without a word, and every code of the launch was "not found"
    const cwd = mkdtempSync(join(tmpdir(), 'veza-api-typo-'));
    dirs.push(cwd);
    writeFileSync(join(cwd, '.env'), 'DATABSE_URL=postgres://veza:s3cret@db.internal:5432/veza\nPORT=0\n');
    const run = startBin({}, cwd);
    await run.waitForLine(/redemption-api (ready|listening)/);
    run.child.kill('SIGTERM');
    await run.exited;
    expect(run.output()).toContain(
      `redemption-api: warning: DATABSE_URL (in ${join(cwd, '.env')}) is not a setting: did you mean DATABASE_URL? DATABASE_URL is not set, so the embedded database is used.`,
    );
    expect(run.output()).not.toContain('s3cret');
  }, 90_000);

  it('with stderr on a full disk (2> /dev/full), a warning to say does not stop the start (an uncaught ENOSPC: exit 1, silent)', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'veza-api-typo-'));
    dirs.push(cwd);
    writeFileSync(join(cwd, '.env'), 'DATABSE_URL=postgres://veza:s3cret@db.internal:5432/veza\nPORT=0\n');
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [bin], {
      env: { ...childEnv(), LOG_LEVEL: 'info' },
      cwd,
      stdio: ['ignore', 'pipe', full],
      detached: true, // a group of its own: the finally below ends the app too
    });
    closeSync(full);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const listening = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!/redemption-api (ready|listening)/.test(stdout)) return;
        clearTimeout(timer);
        resolve(true);
      });
      void exited.then(() => (clearTimeout(timer), resolve(false)));
    });
    try {
      expect(await listening).toBe(true);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(stdout).not.toContain('s3cret');
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 90_000);

  (testBackends().some((b) => b.name === 'postgres') ? it : it.skip)(
    'on DATABASE_URL beside a .veza/db, says that the embedded database is not the one it serves (its invites are "not found")',
    async () => {
      const { env } = await prepareDatabase();
      const cwd = mkdtempSync(join(tmpdir(), 'veza-api-both-'));
      dirs.push(cwd);
      mkdirSync(join(cwd, '.veza', 'db'), { recursive: true });
      const run = startBin({ ...env, PORT: '0' }, cwd);
      await run.ready();
      expect(run.output()).toContain(
        `an embedded database is also in ${join(cwd, '.veza', 'db')}, and this API uses postgres://postgres@127.0.0.1:`,
      );
      expect(run.output()).toContain('invites prepared on the embedded one are not found here (INVITE_NOT_FOUND)');
      run.child.kill('SIGTERM');
      expect((await run.exited).code).toBe(0);
    },
    90_000,
  );

  it('Ctrl-C (SIGINT to the whole process group) drains and exits 0, three times out of three', async () => {
    const { env } = await prepareDatabase();
    for (let i = 0; i < 3; i++) {
      const run = startBin({ ...env, PORT: '0' });
      await run.ready();
      ctrlC(run);
      expect((await run.exited).code).toBe(0);
      expect(run.output().match(/stopped: server closed, database closed/g)).toHaveLength(1);
    }
  }, 120_000);

  // `npm run api` runs its script through `sh -c`, and npm passes a SIGTERM on to that shell only: dash
  // died of it without passing it on, npm exited, and the app went on serving with no parent (holding
  // its port; in a container whose first process is npm it was killed without a drain). The script
  // now execs node, so npm's SIGTERM reaches the launcher, and npm waits for the drain.
  it('npm run api: a SIGTERM to npm alone drains the app, which then exits, and npm with it', async () => {
    const { env } = await prepareDatabase();
    const npm = spawn('npm', ['run', '--silent', 'api'], {
      cwd: repoRoot,
      env: childEnv({ ...env, PORT: '0', LOG_LEVEL: 'info', npm_config_update_notifier: 'false' }),
      detached: true,
    });
    let out = '';
    npm.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const npmExited = new Promise<number | null>((resolve) => npm.on('close', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!/redemption-api ready/.test(out) && Date.now() < deadline && npm.exitCode === null)
        await new Promise((resolve) => setTimeout(resolve, 50));
      const ready = JSON.parse(out.split('\n').find((line) => line.includes('redemption-api ready')) ?? 'null') as { pid: number } | null;
      expect(ready).not.toBeNull();
      const appPid = trackApp(ready!.pid);

      process.kill(npm.pid!, 'SIGTERM');
      expect(await gone(appPid)).toBe(true);
      // npm's 'close' comes once its pipes are read to the end: the app's last line may still be in them
      // when its pid is gone (a loaded CI machine read it after the check, and the line looked missing)
      expect(await npmExited).toBe(0);
      expect(out).toMatch(/stopped: server closed, database closed/);
    } finally {
      if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, 'SIGKILL');
    }
  }, 90_000);

  it('kill -9 of the launcher: the app stops by itself (drains, closes the database, releases the embedded lock)', async () => {
    const { env } = await prepareDatabase();
    const run = startBin({ ...env, PORT: '0' });
    const ready = await run.ready();
    const appPid = trackApp(Number(ready['pid']));
    expect(appPid).not.toBe(run.pid);
    killLauncher(run);
    expect(await gone(appPid)).toBe(true);
    // In the order the app logged them (pino's time), which is not always the order the lines reach the pipe on a loaded machine.
    const logged = run
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { time: number; msg: string; signal?: string });
    const shuttingDown = logged.find((l) => l.signal === 'SIGTERM' && l.msg.startsWith('shutting down'));
    const stopped = logged.find((l) => l.msg === 'stopped: server closed, database closed');
    expect(shuttingDown).toBeDefined();
    expect(stopped).toBeDefined();
    expect(shuttingDown!.time).toBeLessThanOrEqual(stopped!.time);
    if (env['VEZA_DATA_DIR']) expect(existsSync(join(String(env['VEZA_DATA_DIR']), 'db', 'veza.lock'))).toBe(false);
  }, 90_000);

  it('finishes an in-flight redeem after SIGTERM, refuses new connections, closes the database, exits 0', async () => {
    const { env, code } = await prepareDatabase();
    const run = startLaunched(bin, { env: { ...childEnv(), ...env, PORT: '0', LOG_LEVEL: 'info' } });
    const { child, waitForLine } = run;

    const listening = await waitForLine(/Server listening at http:\/\/127\.0\.0\.1:\d+/);
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(listening)?.[1]);

    // A redeem whose body is still arriving: the server has the request, not yet its end.
    const body = JSON.stringify({ code });
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    let response = '';
    socket.on('data', (chunk) => (response += chunk.toString()));
    const responded = new Promise((resolve) => socket.on('end', resolve));
    // Expect: 100-continue: Node answers "100 Continue" as it hands the request to fastify, so the
    // client knows the server has it (requests are logged once, when answered: no line to wait for).
    socket.write(
      `POST /v1/invites/redeem HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n${body.slice(0, 5)}`,
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no 100 Continue within 40 s: ${response}`)), 40_000);
      const check = () => {
        if (!/^HTTP\/1\.1 100 Continue\r\n\r\n/.test(response)) return;
        clearTimeout(timer);
        socket.off('data', check);
        resolve();
      };
      socket.on('data', check);
      check();
    });

    child.kill('SIGTERM');
    await waitForLine(/shutting down/);
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
    // A probe that lands in the listen backlog as the listener closes is reset, not refused: try again.
    let refused = await probe();
    for (let i = 0; i < 100 && (refused === 'connected' || refused === 'ECONNRESET'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refused = await probe();
    }
    expect(refused).toBe('ECONNREFUSED');
    expect(run.output()).not.toMatch(/stopped/);

    socket.write(body.slice(5));
    await responded;
    expect(response).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(response).toContain('"state":"redeemed"');

    expect((await run.exited).code).toBe(0);
    expect(run.output()).toMatch(/stopped: server closed, database closed/);
    expect(run.output()).toMatch(/"url":"\/v1\/invites\/redeem".*"statusCode":200.*request completed/);
    expect(run.output()).not.toContain(code);
  }, 60_000);

  it('with stdout on a full disk (/dev/full) it serves, says once that logging stopped, and a SIGTERM stops it (it spun on the failed log line for ever)', async () => {
    const { env } = await prepareDatabase();
    const port = await freePort();
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [bin], {
      env: { ...childEnv(), LOG_LEVEL: 'info', PORT: String(port), ...env },
      stdio: ['ignore', full, 'pipe'],
      detached: true, // a group of its own: the finally below ends the app too, even one that hangs
    });
    closeSync(full);
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      let status = 0;
      for (const deadline = Date.now() + 20_000; status !== 200 && Date.now() < deadline;) {
        status = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2_000) }).then(
          (r) => r.status,
          () => 0,
        );
        if (status !== 200) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe(200);
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('still running'), 15_000))]);
      expect(code).toBe(0);
      expect(stderr.match(/the log on stdout cannot be written \(ENOSPC\): logging stopped, the service goes on/g)).toHaveLength(1);
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 60_000);

  it('with stdout closed by its reader (| head, a log pipe that died), a SIGTERM stops it, exit 0 (it spun on the last log line for ever)', async () => {
    // the embedded database closes without I/O: the last lines were still queued when the process exited
    const { env } = await prepareDatabase({ embedded: true });
    const child = spawn(process.execPath, [bin], {
      env: { ...childEnv(), LOG_LEVEL: 'info', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // a group of its own: the finally below ends the app too, even one that hangs
    });
    let stdout = '';
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const ready = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (!stdout.includes('redemption-api ready')) return;
        clearTimeout(timer);
        child.stdout?.destroy(); // the reader goes away
        resolve(true);
      });
    });
    try {
      expect(await ready).toBe(true);
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('still running'), 15_000)))]);
      clearTimeout(timer);
      // before: the exit's synchronous flush of the log wrote the last line again every 100 ms, for good: only SIGKILL ended it
      expect(code).toBe(0);
      expect(stderr).not.toContain('    at ');
    } finally {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }, 60_000);
});
