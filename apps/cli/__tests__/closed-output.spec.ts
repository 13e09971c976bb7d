/**
 * stdout or stderr lost in the middle of a command, as an operator loses them:
 * `… | head -1`, `… 2>&1 | less` then q, `> /dev/full`. The command goes on to
 * its end; a closed pipe keeps the command's exit code, any other lost output
 * is exit 1 and said on the other stream.
 */
import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { StdioOptions } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { childEnv } from '@veza/test-support';
import { FAKE_SENDMAIL, SETTINGS, emails, freshDatabaseEnv, heldSend, jsonOutput, preparedFolder } from './fixtures.js';
import type { SendSummary } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-closed-output-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const sentLog = () => join(cwd, 'sent.log');
const sent = () => (existsSync(sentLog()) ? readFileSync(sentLog(), 'utf8').trim().split('\n').filter(Boolean).sort() : []);

/**
 * veza-beta with stdout and stderr on pipes the test reads; `close` says when the
 * test closes one of them from its end, as `head` or a pager that quits does.
 */
function runWithPipes(
  args: string[],
  env: NodeJS.ProcessEnv,
  close: { stream: 'stdout' | 'stderr'; when: 'at-start' | Promise<unknown> },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: childEnv({ CI: 'true', NO_COLOR: '1', ...env }), stdio: 'pipe' });
  const text = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (text.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text.stderr += chunk.toString()));
  child.stdin.end();
  const shut = () => child[close.stream].destroy();
  if (close.when === 'at-start') shut();
  else void close.when.then(shut);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, ...text }));
  });
}

describe.each(testBackends())('an output lost mid-command on $name', (backend) => {
  it('SEND=1 invites send with stdout closed by its reader (| head -1) still dispatches every folder, exit 0', async () => {
    // it exited 0 at the first line it printed (the prepare summary), before any dispatch: nothing sent
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog() };
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n');
    expect((await runVezaBeta(['invites', 'send', 'team.csv', '--out', 'out-1', '--no-screenshot'], { cwd, env })).code).toBe(0);
    writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\ncyd@example.org,listeners\n');
    const run = await runWithPipes(
      ['invites', 'send', 'team.csv', '--out', 'out-2', '--no-screenshot', '--rate', '100'],
      { ...env, SEND: '1' },
      {
        stream: 'stdout',
        when: 'at-start',
      },
    );
    expect(run.stderr).not.toContain('cannot write');
    expect(run.code).toBe(0);
    expect(sent()).toEqual(['ana@example.org', 'bob@example.org', 'cyd@example.org']);
  });

  it('invites dispatch with stderr closed by its reader mid-run (2>&1 | less, then q) sends the rest, nothing left unknown, exit 0', async () => {
    // no listener: the first progress line after the close was an uncaught EPIPE, the email being sent left "unknown", exit 1
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const to = emails(3, 'e');
    await preparedFolder(env, out, to);
    const hold = heldSend(cwd, [to[1]!]);
    const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog(), ...hold.env };
    const closed = hold.started(); // the second send has begun: the first one's progress line is written
    const run = runWithPipes(['invites', 'dispatch', out, '--rate', '100'], sendEnv, { stream: 'stderr', when: closed });
    await closed;
    await new Promise((resolve) => setImmediate(resolve)); // the test's end of the pipe is closed
    hold.release();
    const done = await run;
    expect(done.code).toBe(0);
    expect(sent()).toEqual([...to].sort());
    const again = await runVezaBeta(['invites', 'dispatch', out, '--json'], { cwd, env: sendEnv });
    expect(again.code).toBe(0);
    const summary = jsonOutput<SendSummary>(again.stdout);
    expect(summary.unknown).toEqual([]);
    expect(summary.alreadySent).toBe(3);
  });
});

describe('stdout on a full disk (> /dev/full)', () => {
  (existsSync('/dev/full') ? it : it.skip)(
    'invites report: the line that says so, and exit 1 (it exited 0: the error came after the exit)',
    async () => {
      const env = await freshDatabaseEnv(testBackends()[0]!, cwd);
      const full = openSync('/dev/full', 'w');
      try {
        const stdio: StdioOptions = ['ignore', full, 'pipe'];
        const child = spawn(process.execPath, [BIN, 'invites', 'report'], { cwd, env: childEnv({ CI: 'true', ...env }), stdio });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise((resolve) => child.on('close', resolve));
        expect(stderr).toContain('veza-beta: cannot write the output: ENOSPC');
        expect(code).toBe(1);
      } finally {
        closeSync(full);
      }
    },
  );
});

describe('an output bigger than a pipe holds', () => {
  /** veza-beta with stdout on a pipe the test reads as fast as it comes, as `| jq` or `| wc -c` does */
  async function readAll(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: unknown; stdout: Buffer }> {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: childEnv({ CI: 'true', NO_COLOR: '1', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.resume();
    const code = await new Promise((resolve) => child.on('close', resolve));
    return { code, stdout: Buffer.concat(chunks) };
  }

  it('invites prepare --json of 4000 rows: every invite in the document a script reads (it got the first 64 KB or so, exit 0)', async () => {
    // a pipe is written asynchronously: what its reader had not taken yet was dropped by process.exit
    const env = { ...(await freshDatabaseEnv(testBackends()[0]!, cwd)), ...SETTINGS };
    const rows = Array.from({ length: 4000 }, (_, i) => `person${i}@example.org,${['creators', 'listeners', 'press'][i % 3]}`);
    writeFileSync(join(cwd, 'big.csv'), `email,cohort\n${rows.join('\n')}\n`);
    const run = await readAll(['invites', 'prepare', 'big.csv', '--out', 'out', '--json', '--no-screenshot'], env);
    expect(run.stdout.length).toBeGreaterThan(8 * 65_536);
    const prepared = JSON.parse(run.stdout.toString('utf8')) as { created: unknown[] };
    expect(prepared.created).toHaveLength(4000);
    expect(run.code).toBe(0);
  }, 60_000);
});
