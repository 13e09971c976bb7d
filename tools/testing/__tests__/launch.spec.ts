import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from '@jest/globals';

// tools/launch.mjs, used by every bin (veza-beta, redemption-api, monitor-worker), with a small app of the shape they have.
const launcher = fileURLToPath(new URL('../../launch.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'veza-launch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
// A failing test must not leave an orphan behind (which is what the old launcher did on kill -9).
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
});

/** An app that drains for 300 ms on SIGINT/SIGTERM (`once` handlers, like the apps), then exits 7/8; or exits N at once. */
function fixture(name: string, body: string): string {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, `const say = (text: string) => process.stdout.write(text + '\\n');\n${body}\nsay('ready ' + process.pid);\n`);
  const bin = join(dir, `${name}.mjs`);
  writeFileSync(bin, `import { launch } from ${JSON.stringify(launcher)};\nlaunch(${JSON.stringify(entry)});\n`);
  return bin;
}
const draining = fixture(
  'draining',
  `process.once('SIGINT', () => { say('stopping SIGINT'); setTimeout(() => { say('stopped'); process.exit(7); }, 300); });
process.once('SIGTERM', () => { say('stopping SIGTERM'); setTimeout(() => { say('stopped'); process.exit(8); }, 300); });
setInterval(() => undefined, 1000);`,
);
const bare = fixture('bare', 'setInterval(() => undefined, 1000);');
const exits = fixture('exits', 'setTimeout(() => process.exit(5), 100);');

interface Running {
  pid: number;
  appPid: Promise<number>;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a bin in a process group of its own (as a terminal does), with a deadline on every wait. */
function start(bin: string): Running {
  const child = spawn(process.execPath, [bin], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(-child.pid!, 'SIGKILL');
      reject(new Error(`no exit within 30 s: ${out}`));
    }, 30_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal });
    });
  });
  const appPid = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready within 30 s: ${out}`)), 30_000);
    const check = () => {
      const pid = /ready (\d+)/.exec(out)?.[1];
      if (pid) {
        started.push(Number(pid));
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(Number(pid));
      }
    };
    child.stdout.on('data', check);
  });
  return { pid: child.pid!, appPid, output: () => out, exited };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pid: number, deadlineMs = 10_000): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  while (alive(pid) && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50));
  return !alive(pid);
}

describe('tools/launch.mjs', () => {
  it('exits with the child exit code', async () => {
    const run = start(exits);
    expect(await run.exited).toEqual({ code: 5, signal: null });
  }, 40_000);

  it.each([1, 2, 3])('Ctrl-C (SIGINT to the whole process group) lets the app drain once and passes its exit code on (try %i)', async () => {
    const run = start(draining);
    const appPid = await run.appPid;
    process.kill(-run.pid, 'SIGINT');
    expect(await run.exited).toEqual({ code: 7, signal: null });
    expect(run.output().match(/stopping SIGINT/g)).toHaveLength(1);
    expect(run.output()).toContain('stopped');
    expect(await gone(appPid)).toBe(true);
  }, 40_000);

  it('SIGTERM to the launcher alone reaches the app', async () => {
    const run = start(draining);
    await run.appPid;
    process.kill(run.pid, 'SIGTERM');
    expect(await run.exited).toEqual({ code: 8, signal: null });
  }, 40_000);

  it('kill -9 of the launcher: the app notices and stops as on SIGTERM (drains), not orphaned', async () => {
    const run = start(draining);
    const appPid = await run.appPid;
    process.kill(run.pid, 'SIGKILL');
    expect(await gone(appPid)).toBe(true);
    expect(run.output()).toMatch(/stopping SIGTERM\nstopped/);
  }, 40_000);

  it('an app without handlers dies of the signal, and so does the launcher', async () => {
    const run = start(bare);
    const appPid = await run.appPid;
    process.kill(-run.pid, 'SIGINT');
    expect(await run.exited).toEqual({ code: null, signal: 'SIGINT' });
    expect(await gone(appPid)).toBe(true);
  }, 40_000);
});
