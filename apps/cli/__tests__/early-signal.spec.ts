import { expect } from '@jest/globals';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { childEnv, startLaunched } from '@veza/test-support';
import { SETTINGS } from './fixtures.js';
import { BIN } from './run-veza-beta.js';

// A Ctrl-C or SIGTERM in the first seconds of a command, before the command had a stop of its own, killed it
// by the signal without a word (the loading of its modules takes a second or more). The app now catches them
// first thing: one line, and the signal's own code. No timing: a loader hook (testing/hold-cli-load.mjs) holds
// the app's main thread while it loads the last of its command modules, and the signal is sent then. Held so (no
// turn of the event loop, as tsx's synchronous load on Node 22 and 24 does for the whole load), the signal was
// handled only once the command had started: it must be handled before.

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-early-signal-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const HOLD = fileURLToPath(new URL('../testing/hold-cli-load.mjs', import.meta.url));

/** veza-beta started through its launcher, held while it loads its commands; `loading` resolves then. */
function startHeld(args: string[], env: NodeJS.ProcessEnv) {
  const marker = join(cwd, 'loading');
  const go = join(cwd, 'go');
  const run = startLaunched(BIN, {
    args,
    cwd,
    env: {
      ...childEnv({
        ...env,
        NO_COLOR: '1',
        HOLD_CLI_MARKER: marker,
        HOLD_CLI_GO: go,
        NODE_OPTIONS: `--import=${pathToFileURL(HOLD).href}`,
      }),
      VEZA_PREBUILT_DIR: undefined, // the sources through tsx: a bundle has no module to hold
    },
  });
  const loading = (async () => {
    const end = Date.now() + 40_000;
    while (!existsSync(marker)) {
      if (Date.now() > end) throw new Error(`veza-beta never reached the loading of its commands: ${run.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  return { run, loading, release: () => writeFileSync(go, '') };
}

describe('a signal as veza-beta starts', () => {
  it('SIGTERM to invites prepare as it starts: one line, exit 143, nothing written', async () => {
    const cohort = join(cwd, 'cohort.csv');
    writeFileSync(cohort, 'email,cohort\nana@example.org,early\n');
    const { run, loading, release } = startHeld(['invites', 'prepare', cohort, '--out', join(cwd, 'out')], {
      ...SETTINGS,
      VEZA_DATA_DIR: join(cwd, '.veza'),
    });
    try {
      await loading;
      process.kill(run.pid, 'SIGTERM'); // `kill PID` of the command, as a supervisor or an operator does
    } finally {
      release();
    }
    const { code } = await run.exited;
    expect(run.output()).toContain('SIGTERM: veza-beta stopped before the command started: nothing was done.');
    expect(code).toBe(143);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  }, 60_000);

  it('Ctrl-C as a command starts (invites report): one line, exit 130', async () => {
    const { run, loading, release } = startHeld(['invites', 'report'], { VEZA_DATA_DIR: join(cwd, '.veza') });
    try {
      await loading;
      process.kill(-run.pid, 'SIGINT'); // Ctrl-C: the whole group, the launcher passes it on too
    } finally {
      release();
    }
    const { code } = await run.exited;
    expect(run.output()).toContain('SIGINT: veza-beta stopped before the command started: nothing was done.');
    expect(code).toBe(130);
  }, 60_000);
});
