import { expect } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTROL_CHARS } from '@veza/invite-rules';
import { sendCmdTransport } from './send-cmd-transport.js';
import { redactSmtpUrl, smtpLoginHider, smtpTransport } from './smtp-transport.js';
import { blankTransportSettingError, hasTransportSettings, sendTimeoutFromEnv, transportFromEnv } from './transport-from-env.js';

const eml = Buffer.from('To: ana@example.org\r\nSubject: hi\r\n\r\nhello\r\n');
const envelope = { from: 'beta@veza.example', to: 'ana@example.org' };
const env = { PATH: process.env['PATH'] };

describe('SEND_CMD transport', () => {
  it('hands the .eml to the command on stdin; exit 0 is accepted, 75 temporary, anything else permanent', async () => {
    expect(await sendCmdTransport('grep -q "^To: ana@example.org" && echo queued', env).send(eml, envelope)).toEqual({
      ok: true,
      temporary: false,
      response: 'queued',
    });
    expect(await sendCmdTransport('cat >/dev/null; echo "451 later" >&2; exit 75', env).send(eml, envelope)).toEqual({
      ok: false,
      temporary: true,
      response: 'exit 75: 451 later',
    });
    expect(await sendCmdTransport('cat >/dev/null; echo "550 no" >&2; exit 1', env).send(eml, envelope)).toEqual({
      ok: false,
      temporary: false,
      response: 'exit 1: 550 no',
    });
  });

  it('a command that exits 0 without reading the whole message did not send it: failed, not sent (whatever its size)', async () => {
    expect(await sendCmdTransport('true', env).send(eml, envelope)).toEqual({
      ok: false,
      temporary: false,
      response: 'exit 0 without reading the whole message: not sent',
    });
    expect(await sendCmdTransport('head -c 10 >/dev/null', env).send(Buffer.alloc(300_000, 'a'), envelope)).toMatchObject({
      ok: false,
      response: 'exit 0 without reading the whole message: not sent',
    });
  });
});

describe("a mailer's answer with terminal escape sequences", () => {
  // The answer is printed in dispatch's summary and written to dispatch.log: raw, a coloured mailer's
  // ESC [ 31 m coloured the operator's terminal, ESC ] 0 retitled it, ESC [ 1 A ESC [ 2 K rewrote the line above.
  const ESCAPES = '\\033[31m550 rejected\\033[0m\\033]0;title\\007\\033[1A\\033[2K\\302\\2330 failed';
  it('a SEND_CMD answer keeps no control character: each is shown as \\uXXXX, on one line', async () => {
    const result = await sendCmdTransport(`cat >/dev/null; printf '${ESCAPES}' >&2; exit 1`, env).send(eml, envelope);
    expect(result.ok).toBe(false);
    expect(result.response).toBe('exit 1: \\u001b[31m550 rejected\\u001b[0m\\u001b]0;title\\u0007\\u001b[1A\\u001b[2K\\u009b0 failed');
  });

  it("an SMTP server's reply keeps no control character either", async () => {
    const server = createServer((socket) => {
      socket.write('220 relay ESMTP\r\n');
      socket.on('data', (chunk) => {
        const command = chunk.toString().slice(0, 4).toUpperCase();
        if (command === 'EHLO' || command === 'HELO') socket.write('250 relay\r\n');
        else if (command === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('550 5.7.1 \x1b[2Kdenied\x1b]0;title\x07 here\r\n');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const transport = smtpTransport(`smtp://127.0.0.1:${(server.address() as { port: number }).port}`, 1);
    try {
      const result = await transport.send(eml, envelope);
      expect(result).toMatchObject({ ok: false, temporary: false });
      expect(result.response).toContain('\\u001b[2Kdenied\\u001b]0;title\\u0007 here');
      expect(CONTROL_CHARS.test(result.response)).toBe(false);
    } finally {
      await transport.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('SEND_CMD that prints without end', () => {
  it('a mailer that writes 560 MB to stderr fails as itself (its exit status, the start of what it said) instead of crashing the dispatch', async () => {
    // past V8's longest string (about 512 MB): the whole output was kept, and a RangeError crashed the process mid-send
    const command = `cat > /dev/null; head -c 560000000 /dev/zero | tr '\\0' x >&2; exit 1`;
    const result = await sendCmdTransport(command, env, { timeoutMs: 110_000 }).send(eml, envelope);
    expect(result).toMatchObject({ ok: false, temporary: false, response: expect.stringMatching(/^exit 1: x{100}/) });
  }, 120_000);
});

describe('SEND_CMD with no file descriptor left (ulimit -n)', () => {
  it('a command that cannot be started (spawn EMFILE) is a temporary failure, not sent; the dispatch goes on instead of crashing', () => {
    // Node gives such a child no stdio and reports EMFILE on the next tick: touching its streams threw, the 'error'
    // event had no listener and the whole dispatch crashed, its claimed emails left 'unknown' though none was sent.
    // In a process of its own under a low limit, its descriptor table filled but for three (four pipes need eight).
    const module = fileURLToPath(new URL('./run-send-cmd.ts', import.meta.url));
    const script = `
      import { closeSync, openSync } from 'node:fs';
      import { runSendCmd } from ${JSON.stringify(module)};
      const fds = [];
      try { for (;;) fds.push(openSync('/dev/null', 'r')); } catch {}
      for (const fd of fds.splice(0, 3)) closeSync(fd);
      const send = () => runSendCmd('cat >/dev/null', { PATH: process.env.PATH }, Buffer.from('To: a@example.org\\r\\n\\r\\nhi\\r\\n'), { timeoutMs: 5000, killGraceMs: 500 });
      const starved = await send();
      for (const fd of fds) closeSync(fd);
      console.log(JSON.stringify({ starved, freed: await send() }));`;
    const child = spawnSync(
      '/bin/sh',
      [
        '-c',
        'ulimit -n 64 && exec "$0" "$@"',
        process.execPath,
        '--conditions=@veza/source',
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        script,
      ],
      {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { ...process.env, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual({
      starved: {
        ok: false,
        temporary: true,
        response:
          'SEND_CMD could not be started: too many open files (ulimit -n: lower --concurrency or raise the limit) (spawn /bin/sh EMFILE): not sent',
      },
      freed: { ok: true, temporary: false, response: 'exit 0' },
    });
  });
});

describe('SEND_CMD deadline (SEND_TIMEOUT)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'send-cmd-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const deadline = { timeoutMs: 300, killGraceMs: 200 };
  /** A mailer script; `pidFile` receives its process id so the spec can check it is gone. */
  function mailer(name: string, body: string): { command: string; pidFile: string } {
    const path = join(dir, name);
    const pidFile = join(dir, `${name}.pid`);
    writeFileSync(path, `#!/bin/sh\necho $$ > '${pidFile}'\n${body}\n`);
    chmodSync(path, 0o755);
    return { command: path, pidFile };
  }
  /** Whether the process is still running (a zombie waiting for init to reap it is not); waits up to 2 s for it to go. */
  const alive = async (pidFile: string) => {
    const stat = `/proc/${readFileSync(pidFile, 'utf8').trim()}/stat`;
    const running = () => existsSync(stat) && !/^\d+ \(.*\) Z/.test(readFileSync(stat, 'utf8'));
    for (let i = 0; i < 20 && running(); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    return running();
  };
  const timed = async (command: string, message = eml, within = deadline) => {
    const started = Date.now();
    const result = await sendCmdTransport(command, env, within).send(message, envelope);
    return { result, ms: Date.now() - started };
  };
  /** A deadline the send must not reach: for the cases about how a command ends by itself. */
  const unhurried = { timeoutMs: 30_000, killGraceMs: 200 };
  /**
   * A case about the deadline needs the mailer to get somewhere (started, the message read) before it: the mailer is
   * a child process, whose start a loaded machine can put past 300 ms, and the case was then another one (at a load
   * of 14, a whole send of such a mailer took up to 175 ms). `attempt(n)` says whether it got there (`reached`, from a
   * file the mailer writes); one that did not is tried again with a fresh mailer, up to three times, and the case
   * fails if none did.
   */
  async function beforeTheDeadline<T extends { reached: boolean }>(what: string, attempt: (n: number) => Promise<T>): Promise<T> {
    for (let n = 1; n <= 3; n++) {
      const outcome = await attempt(n);
      if (outcome.reached) return outcome;
    }
    throw new Error(`the mailer never ${what} before its deadline in three attempts: the case was not tested`);
  }

  it('a command that hangs without reading is killed at the deadline (TERM): failed, not sent, so it is safe to try again', async () => {
    const { result, ms, pidFile } = await beforeTheDeadline('started', async (n) => {
      const { command, pidFile } = mailer(`hang-unread-${n}.sh`, 'sleep 1000');
      // a long KILL grace, so that "TERM was enough" stays visible on a loaded machine
      const sent = await timed(command, eml, { timeoutMs: 300, killGraceMs: 5000 });
      // its pid written: the script ran, after the wrapper set its TERM trap (a wrapper TERMed before it reports nothing)
      return { ...sent, pidFile, reached: existsSync(pidFile) };
    });
    expect(result).toMatchObject({
      ok: false,
      temporary: false,
      response: expect.stringMatching(
        /^SEND_CMD timed out after 0.3 s \(SEND_TIMEOUT\) and was killed before it read the whole message: not sent/,
      ),
    });
    expect(result.unknown).toBeUndefined();
    expect(ms).toBeGreaterThanOrEqual(300);
    expect(ms).toBeLessThan(300 + 2500); // TERM was enough: no KILL grace (5 s) spent
    expect(await alive(pidFile)).toBe(false);
  });

  it('a command that read the whole message and then hangs may have sent it: unknown, never ok, never temporary', async () => {
    const { result, pidFile } = await beforeTheDeadline('read the message', async (n) => {
      const read = join(dir, `hang-read-${n}.read`);
      const { command, pidFile } = mailer(`hang-read-${n}.sh`, `cat > /dev/null\n: > '${read}'\nsleep 1000`);
      return { ...(await timed(command)), pidFile, reached: existsSync(read) };
    });
    expect(result).toMatchObject({
      ok: false,
      temporary: false,
      unknown: true,
      response: expect.stringMatching(
        /^SEND_CMD timed out after 0.3 s \(SEND_TIMEOUT\) and was killed after it had the whole message: it may have sent it/,
      ),
    });
    expect(await alive(pidFile)).toBe(false);
  });

  it('a command that ignores TERM gets KILL after the grace period, with the whole process group (its children too)', async () => {
    const { result, ms, pidFile, child } = await beforeTheDeadline('read the message and forked', async (n) => {
      const child = join(dir, `grandchild-${n}.pid`);
      const { command, pidFile } = mailer(`deaf-${n}.sh`, `trap '' TERM\ncat > /dev/null\nsleep 1000 &\necho $! > '${child}'\nwait`);
      // its child's pid written: TERM came after the trap that ignores it, and the message was read
      return { ...(await timed(command)), pidFile, child, reached: existsSync(child) };
    });
    expect(ms).toBeGreaterThanOrEqual(300 + 200);
    expect(ms).toBeLessThan(5_000);
    expect(result).toMatchObject({ ok: false, temporary: false, unknown: true, response: expect.stringContaining('it may have sent it') });
    expect(await alive(pidFile)).toBe(false);
    expect(await alive(child)).toBe(false);
  });

  it('a command that dies by a signal after reading the message is unknown; before reading it, failed', async () => {
    // no deadline in these cases (the command ends by itself): a 300 ms one could come first on a loaded machine
    expect((await timed(mailer('killed-after.sh', 'cat > /dev/null\nkill -9 $$').command, eml, unhurried)).result).toMatchObject({
      ok: false,
      temporary: false,
      unknown: true,
      response: expect.stringMatching(/^exit 137 \(killed by a signal\?\) after it had the whole message: it may have sent it/),
    });
    expect((await timed(mailer('killed-before.sh', 'kill -9 $$').command, eml, unhurried)).result).toEqual({
      ok: false,
      temporary: false,
      response: expect.stringMatching(/^exit 137/),
    });
  });

  it('a command that ends leaving a process that holds its output (a delivery agent it forked) is answered when it ends, and that process is left alone', async () => {
    const child = join(dir, 'forked.pid');
    const { command } = mailer('forks.sh', `cat > /dev/null\nsleep 1000 &\necho $! > '${child}'\necho queued`);
    try {
      // a deadline the send must not reach: before, every such send waited for it, then KILLed the forked process
      const { result } = await timed(command, eml, { timeoutMs: 20_000, killGraceMs: 200 });
      expect(result).toEqual({ ok: true, temporary: false, response: 'queued' });
      expect(await alive(child)).toBe(true);
    } finally {
      process.kill(Number(readFileSync(child, 'utf8').trim()), 'SIGKILL');
    }
  }, 60_000);

  it('leaves no process behind and no timer running: the test process has nothing pending after a send', async () => {
    const { command } = mailer('quick.sh', 'cat > /dev/null');
    // the send's deadline timer too: it is not reached, and must be cleared when the command ends
    expect((await timed(command, eml, unhurried)).result).toEqual({ ok: true, temporary: false, response: 'exit 0' });
    const mine = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => line.includes(dir));
    expect(mine).toEqual([]);
  });

  it('SEND_TIMEOUT is seconds (60 by default); anything else is refused before sending', () => {
    expect([sendTimeoutFromEnv({}), sendTimeoutFromEnv({ SEND_TIMEOUT: '5' }), sendTimeoutFromEnv({ SEND_TIMEOUT: '0.5' })]).toEqual([
      60_000, 5_000, 500,
    ]);
    for (const bad of ['0', '-1', '1m', 'soon'])
      expect(() => sendTimeoutFromEnv({ SEND_TIMEOUT: bad })).toThrow(
        expect.objectContaining({
          code: 'MAILER_INVALID_OPTION',
          message: `SEND_TIMEOUT: expected a positive number of seconds, got '${bad}'`,
        }),
      );
    expect(() => transportFromEnv({ ...env, SEND_CMD: 'cat', SEND_TIMEOUT: 'x' }, 1)).toThrow(
      expect.objectContaining({ code: 'MAILER_INVALID_OPTION' }),
    );
    // One schema for the three variables: a bad SEND_TIMEOUT is refused even when SMTP_URL is the transport.
    expect(() => transportFromEnv({ SMTP_URL: 'smtp://user:pw@127.0.0.1:2525', SEND_TIMEOUT: ' 0 ' }, 1)).toThrow(
      expect.objectContaining({ code: 'MAILER_INVALID_OPTION', message: "SEND_TIMEOUT: expected a positive number of seconds, got '0'" }),
    );
  });

  it('refuses a program that is not on PATH, before sending anything', () => {
    expect(() => sendCmdTransport('no-such-mailer -t', env)).toThrow(
      expect.objectContaining({
        code: 'MAILER_SEND_CMD_NOT_FOUND',
        message: expect.stringContaining("SEND_CMD: 'no-such-mailer' was not found on PATH"),
      }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'send-cmd-'));
    try {
      const script = join(dir, 'mailer.sh');
      writeFileSync(script, '#!/bin/sh\ncat >/dev/null\n');
      expect(() => sendCmdTransport(script, env)).toThrow(
        expect.objectContaining({ message: expect.stringContaining('is not executable') }),
      );
      expect(() => sendCmdTransport(join(dir, 'nope'), env)).toThrow(
        expect.objectContaining({ message: expect.stringContaining('does not exist') }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds the program as the shell does: past VAR=value and exec; shell syntax is left to the shell', () => {
    for (const command of [
      'HOME=/etc/veza cat',
      'exec cat',
      'A=1 B=2 exec cat -u',
      'trap "" TERM; cat >/dev/null',
      'cat>/dev/null',
      '(cat)',
    ])
      expect(() => sendCmdTransport(command, env)).not.toThrow();
    expect(() => sendCmdTransport('HOME=/x no-such-mailer -t', env)).toThrow(
      expect.objectContaining({ message: expect.stringContaining("'no-such-mailer' was not found on PATH") }),
    );
  });
});

describe('SEND_CMD starting with ~ (a wrapper in ~/bin, as a .env writes it)', () => {
  it('is looked for in HOME, where the shell that runs it finds it, and sends', async () => {
    const home = mkdtempSync(join(tmpdir(), 'send-cmd-home-'));
    try {
      const script = join(home, 'bin', 'veza-mail');
      mkdirSync(join(home, 'bin'));
      writeFileSync(script, '#!/bin/sh\ncat > "$HOME/sent.eml"\n');
      chmodSync(script, 0o755);
      const transport = sendCmdTransport('~/bin/veza-mail -t', { ...env, HOME: home });
      expect(transport.description).toBe('SEND_CMD ~/bin/veza-mail …');
      expect(await transport.send(eml, envelope)).toMatchObject({ ok: true });
      expect(readFileSync(join(home, 'sent.eml'))).toEqual(eml);
      // not there: named as the shell would look for it
      expect(() => sendCmdTransport('~/bin/nope -t', { ...env, HOME: home })).toThrow(
        expect.objectContaining({
          code: 'MAILER_SEND_CMD_NOT_FOUND',
          message: expect.stringContaining(`'${join(home, 'bin', 'nope')}' does not exist`),
        }),
      );
      // another user's home is the shell's to resolve
      expect(() => sendCmdTransport('~nobody-here/bin/mail -t', { ...env, HOME: home })).not.toThrow();
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('a mailer that echoes the message', () => {
  // A real SEND_CMD can print the message (or its link) to stderr, a server can quote a line: the
  // answer goes to dispatch.log, the database and reports, so no invite code may survive in it.
  const code = '7K3M-Q9ZD-1XWN-4T8R';
  const invite = Buffer.from(`To: ana@example.org\r\n\r\nhttps://beta.veza.fr/signup?invite=3D7K3M-Q9ZD-1X=\r\nWN-4T8R\r\n`);
  it.each([
    ['on success', 'cat > "$M"; grep -m1 -A1 "invite=" "$M" >&2; exit 0', true],
    ['on failure', 'cat > "$M"; grep -m1 -A1 "invite=" "$M" >&2; echo "code ${CODE}" >&2; exit 1', false],
  ])('hides the code in its answer %s', async (_when, command, ok) => {
    const dir = mkdtempSync(join(tmpdir(), 'echo-mailer-'));
    try {
      const result = await sendCmdTransport(command, { ...env, M: join(dir, 'm.eml'), CODE: code }).send(invite, envelope);
      expect(result.ok).toBe(ok);
      expect(result.response).toContain('[redacted]');
      for (const piece of [code, code.replace(/-/g, ''), '7K3M-Q9ZD-1X', 'WN-4T8R']) expect(result.response).not.toContain(piece);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the message's own code in a mailer's answer", () => {
  const invitation = Buffer.from(
    [
      'To: ana@example.org',
      'Subject: invitation',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      "Ton code d'invitation : KPYG-GMAN-9R2F-WNTZ",
      'https://staging.veza.fr/signup?invite=3DKPYG-GMAN-9R2F-WNTZ',
      "Le code fonctionne jusqu'au 30 juin.",
      '',
    ].join('\r\n'),
  );
  it.each([
    ['a mailer folding its echo inside the code', 'grep -a signup | fold -w 50 >&2; exit 1'],
    ['a mailer folding the code line', 'grep -a "code d" | fold -w 30 >&2; exit 1'],
    ['a mailer joining the lines (the code glued to the next word)', 'tr -d "\\r\\n" | grep -ao "invite=3D.\\{40\\}" >&2; exit 1'],
    ['a mailer regrouping the code with spaces', 'grep -a "code d" | tr "-" " " >&2; exit 1'],
  ])('is hidden however %s echoes it', async (_what, command) => {
    const sent = await sendCmdTransport(command, env).send(invitation, envelope);
    expect(sent.ok).toBe(false);
    expect(sent.response).toContain('[redacted]');
    expect(sent.response.toUpperCase().replace(/[^0-9A-Z]/g, '')).not.toContain('KPYGGMAN9R2FWNTZ');
    expect(sent.response.toUpperCase().replace(/[^0-9A-Z]/g, '')).not.toMatch(/KPYGGMAN|9R2FWNTZ/);
  });
});

describe('SMTP transport', () => {
  it('hides the login as nodemailer reads the URL (a literal %, a percent-encoded @), never spelling out a short one by hiding it inside words', () => {
    expect(smtpLoginHider('smtp://bob:50%off@host')('bad login 50%off')).toBe('bad login ***');
    expect(smtpLoginHider('smtp://bob:p%40ss@host')('535 p@ss refused')).toBe('535 *** refused');
    expect(smtpLoginHider('smtp://bob:S3cretPassw0rd@host')('535 xS3cretPassw0rdx')).toBe('535 x***x');
    // short ones: hidden as words only ("Inv***lid usern***me" told the password was "a")
    expect(smtpLoginHider('smtp://bob:smtp@host')('535 5.7.8 smtp auth failed for smtpuser / smtp')).toBe(
      '535 5.7.8 *** auth failed for smtpuser / ***',
    );
    expect(smtpLoginHider('smtp://bob:a@host')('535 Invalid username or password for bob / a')).toBe(
      '535 Invalid username or password for bob / a',
    );
    expect(smtpLoginHider('smtp://host')('anything')).toBe('anything');
  });

  it('hides the password of a URL written without a scheme too', () => {
    expect(redactSmtpUrl('bob:S3cretPw@127.0.0.1:2606')).toBe('bob:***@127.0.0.1:2606');
    expect(redactSmtpUrl('smtp://bob@127.0.0.1:2606')).toBe('smtp://bob@127.0.0.1:2606');
  });

  it('a server that echoes the login in base64 (AUTH PLAIN) never gets the password into the answer', async () => {
    const server = createServer((socket) => {
      socket.write('220 echo ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        for (const line of chunk.toString().split('\r\n').filter(Boolean)) {
          if (/^EHLO/i.test(line)) socket.write('250-echo\r\n250 AUTH PLAIN LOGIN\r\n');
          else if (/^AUTH/i.test(line)) socket.write(`535 5.7.8 auth failed for ${line}\r\n`);
          else if (/^QUIT/i.test(line)) socket.end('221 bye\r\n');
          else socket.write('250 ok\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    // a password whose base64 has characters no code has ('+', 'u'), so that only the login rule can hide it
    const password = 'hunter2??>>';
    const transport = smtpTransport(`smtp://bob:${encodeURIComponent(password)}@127.0.0.1:${port}`, 1);
    try {
      const result = await transport.send(eml, envelope);
      expect(result).toMatchObject({ ok: false, temporary: false });
      expect(result.response).toMatch(/^535 5\.7\.8 auth failed for AUTH PLAIN /);
      expect(result.response).toContain('***');
      for (const secret of [password, Buffer.from(`\0bob\0${password}`).toString('base64').replace(/=+$/, '')])
        expect(result.response).not.toContain(secret);
    } finally {
      await transport.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('a server that never greets is a temporary failure at the greeting deadline (SMTP_URL can set it)', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const transport = smtpTransport(`smtp://127.0.0.1:${port}?greetingTimeout=300`, 1);
    const started = Date.now();
    try {
      expect(await transport.send(eml, envelope)).toMatchObject({ ok: false, temporary: true });
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await transport.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('refuses a URL it cannot use, without showing the password', () => {
    for (const url of [
      'not a url',
      'http://user:s3cret@mail.example.org',
      'smtp:/user:s3cret@mail.example.org:2606',
      'user:s3cret@mail.example.org',
    ]) {
      let message = '';
      try {
        smtpTransport(url, 1);
      } catch (error) {
        expect((error as { code: string }).code).toBe('MAILER_SMTP_URL_INVALID');
        message = (error as Error).message;
      }
      expect(message).toMatch(/^SMTP_URL: not a valid SMTP URL/);
      expect(message).not.toContain('s3cret');
    }
    expect(redactSmtpUrl('smtps://user:s3cret@mail.example.org:465')).toBe('smtps://user:***@mail.example.org:465');
  });

  it("refuses nodemailer's own log (?logger=true): it printed each message sent, invite code included, to stdout", () => {
    for (const url of ['smtp://user:s3cret@127.0.0.1:2525?logger=true&debug=true', 'smtps://user:s3cret@mail.example.org?logger=true']) {
      let error: { code?: string; message?: string } = {};
      try {
        smtpTransport(url, 1);
      } catch (e) {
        error = e as typeof error;
      }
      expect(error.code).toBe('MAILER_SMTP_URL_INVALID');
      expect(error.message).toContain("?logger prints the SMTP session, each message's invite code included");
      expect(error.message).not.toContain('s3cret');
    }
    expect(() => transportFromEnv({ SMTP_URL: 'smtp://127.0.0.1:2525?logger=true' }, 1)).toThrow(/\?logger prints the SMTP session/);
    // ?debug alone prints nothing (nodemailer logs only with a logger): left to the operator
    return smtpTransport('smtp://127.0.0.1:2525?debug=true', 1).close();
  });

  it('a server that drops the connection is a temporary failure, and the password never reaches the response', async () => {
    const server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const transport = smtpTransport(`smtp://user:s3cret@127.0.0.1:${port}`, 1);
    try {
      expect(transport.description).toBe(`SMTP smtp://user:***@127.0.0.1:${port}`);
      const result = await transport.send(eml, envelope);
      expect(result).toMatchObject({ ok: false, temporary: true });
      expect(result.response).not.toContain('s3cret');
    } finally {
      await transport.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('transportFromEnv', () => {
  it("SEND_CMD runs without veza-beta's secrets in its environment, and is shown without its arguments", async () => {
    const secrets = {
      DATABASE_URL: 'postgres://ops:PgPass0rd1@db/veza',
      ADMIN_TOKEN: 'AdminTok3nAdminTok3nAdmin',
      GITHUB_TOKEN: 'ghp_tok3ntok3n',
      GATES_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/WhSecret',
    };
    const transport = transportFromEnv({ PATH: '/usr/bin:/bin', ...secrets, KEPT: 'mine', SEND_CMD: 'cat >/dev/null; env >&2; exit 1' }, 1);
    const sent = await transport.send(eml, envelope);
    expect(sent.response).toContain('KEPT=mine'); // the operator's own variables still reach the mailer
    expect(sent.response).toContain('PATH=');
    for (const [name, value] of Object.entries(secrets)) {
      expect(sent.response).not.toContain(name);
      expect(sent.response).not.toContain(value);
    }
    expect(transportFromEnv({ ...env, SEND_CMD: 'cat --user ops:Sm7pPass' }, 1).description).toBe('SEND_CMD cat …');
    expect(transportFromEnv({ ...env, SEND_CMD: '( cat >/dev/null )' }, 1).description).toBe('SEND_CMD (a shell command)');
  });

  it('SMTP_URL wins over SEND_CMD; only an explicit setting counts as configured', () => {
    expect(transportFromEnv({ ...env, SMTP_URL: 'smtp://127.0.0.1:2525', SEND_CMD: 'cat' }, 1).description).toBe(
      'SMTP smtp://127.0.0.1:2525',
    );
    expect(transportFromEnv({ ...env, SEND_CMD: 'cat' }, 1).description).toBe('SEND_CMD cat');
    expect([hasTransportSettings({}), hasTransportSettings({ SEND_CMD: ' ' }), hasTransportSettings({ SMTP_URL: 'smtp://x' })]).toEqual([
      false,
      false,
      true,
    ]);
  });

  it('a SMTP_URL or SEND_CMD set but blank is refused (MAILER_TRANSPORT_BLANK), not read as the other transport', () => {
    for (const [blanks, variable] of [
      [{ SMTP_URL: '', SEND_CMD: 'cat' }, 'SMTP_URL'],
      [{ SMTP_URL: ' ' }, 'SMTP_URL'],
      [{ SEND_CMD: '' }, 'SEND_CMD'],
    ] as const) {
      expect(() => transportFromEnv({ ...env, ...blanks }, 1)).toThrow(
        expect.objectContaining({
          code: 'MAILER_TRANSPORT_BLANK',
          message: expect.stringMatching(new RegExp(`^${variable} is set but empty`)),
        }),
      );
      const blank = blankTransportSettingError({ ...env, ...blanks });
      expect(blank?.variable).toBe(variable);
      // the text without the name, for a settings list that prints the name beside it (preflight t-72h)
      expect(blank?.problem).toMatch(/^is set but empty/);
      expect(blank?.message).toBe(`${variable} ${blank?.problem}`);
    }
    expect(blankTransportSettingError({ ...env, SEND_CMD: 'cat' })).toBeNull();
  });

  it('a blank SEND_CMD beside a SMTP_URL is let be: SEND_CMD is not used, as with any value', async () => {
    const both = { ...env, SMTP_URL: 'smtp://127.0.0.1:2525', SEND_CMD: '\t' };
    expect(blankTransportSettingError(both)).toBeNull();
    const transport = transportFromEnv(both, 1);
    expect(transport.description).toBe('SMTP smtp://127.0.0.1:2525');
    await transport.close();
  });
});
