import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { childEnv } from '@veza/test-support';
import { FAKE_SENDMAIL, freshDatabaseEnv, preparedFolder } from './fixtures.js';
import { BIN } from './run-veza-beta.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-terminal-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/**
 * Runs veza-beta under a real pseudo-terminal of `columns` columns (util-linux `script`), as an operator's
 * window runs it; returns what the terminal received (stdout and stderr, the pty's \r\n included).
 */
function underTerminal(args: string[], env: NodeJS.ProcessEnv, columns: number): Promise<{ code: number | null; screen: string }> {
  const command = `stty cols ${columns} rows 24; exec ${[process.execPath, BIN, ...args].map(quote).join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (screen += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, screen }));
  });
}

// The display does not depend on the database: the embedded one is enough.
const pglite = testBackends({})[0]!;

describe('invites dispatch on a terminal', () => {
  const addresses = [
    'a.person.with.a.rather.long.address.0@example-longdomain.org',
    'a.person.with.a.rather.long.address.1@example-longdomain.org',
  ];

  it('draws each redraw of its progress bar within the width of a 40-column terminal (a wider one wrapped and scrolled)', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, addresses);
    const run = await underTerminal(
      ['invites', 'dispatch', out, '--rate', '100'],
      childEnv({ ...env, TERM: 'xterm', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') }),
      40,
    );
    expect(run.code).toBe(0);
    const frames = run.screen.split('\r\x1b[2K').slice(1);
    expect(frames).toHaveLength(2);
    const bars = frames.map((frame) => frame.split(/\r?\n/)[0]!);
    expect(bars[1]).toMatch(/^\[#+\] 2\/2 sent a\.pers/);
    for (const bar of bars) expect(bar.length).toBeLessThan(40);
  });

  it('writes plain lines, no escape sequence, on TERM=dumb (which shows them as text)', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, addresses);
    const run = await underTerminal(
      ['invites', 'dispatch', out, '--rate', '100'],
      childEnv({ ...env, TERM: 'dumb', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') }),
      80,
    );
    expect(run.code).toBe(0);
    expect(run.screen).not.toContain('\x1b');
    expect(run.screen).toContain(`[2/2] sent ${addresses[1]}\r\n`);
  });
});
