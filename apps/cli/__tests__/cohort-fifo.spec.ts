/**
 * A cohort CSV given as a FIFO (`mkfifo cohort.fifo; iconv … > cohort.fifo &`)
 * whose writer writes it once: read once, through one open. It was opened
 * twice (the first open took the content), and `cohort validate` then
 * `invites prepare` waited for good for a second writer.
 */
import { expect } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { childEnv, startLaunched } from '@veza/test-support';
import { SETTINGS, freshDatabaseEnv, readManifest } from './fixtures.js';
import { BIN } from './run-veza-beta.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-cohort-fifo-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** A FIFO in cwd and its one writer, which writes `text` once a reader opens it, then ends. */
function fifoWrittenOnce(text: string): { path: string; writerDone: Promise<unknown> } {
  writeFileSync(join(cwd, 'team.csv'), text);
  const path = join(cwd, 'cohort.fifo');
  execFileSync('mkfifo', [path]);
  const writer = spawn('sh', ['-c', 'cat team.csv > cohort.fifo'], { cwd, stdio: 'ignore' });
  return { path, writerDone: new Promise((resolve) => writer.on('close', resolve)) };
}

const TEAM = 'email,cohort\nana@example.org,creators\nbob@example.org,listeners\n';

describe.each(testBackends())('a cohort CSV that is a FIFO, on $name', (backend) => {
  it.each([
    ['cohort validate', ['cohort', 'validate'], /2 rows read, 2 valid/],
    ['invites prepare', ['invites', 'prepare'], /prepared out: 2 email\(s\) rendered/],
  ] as const)(
    '%s reads it once and ends (it waited for good for a second writer)',
    async (_name, command, done) => {
      const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS };
      const fifo = fifoWrittenOnce(TEAM);
      const run = startLaunched(BIN, {
        args: [...command, fifo.path, '--force', '--out', 'out', '--no-screenshot'].slice(0, command[0] === 'cohort' ? 4 : undefined),
        cwd,
        env: childEnv({ CI: 'true', NO_COLOR: '1', ...env }),
        exitDeadlineMs: 30_000,
      });
      const { code } = await run.exited;
      await fifo.writerDone;
      expect(run.output()).toMatch(done);
      expect(code).toBe(0);
      if (command[0] === 'invites') {
        const manifest = readManifest(join(cwd, 'out'));
        expect(manifest.invites).toHaveLength(2);
        expect(manifest.source).toEqual({ file: 'cohort.fifo', sha256: null });
      }
    },
    60_000,
  );
});
