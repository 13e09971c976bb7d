import { expect } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { acquirePidLock, LockHeldError } from './pid-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pid-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has ended. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$']);
  return Number(child.stdout.toString().trim());
}

/** A running process (sleep) and its stop. */
function runningProcess(): { pid: number; stop: () => Promise<void> } {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  return {
    pid: child.pid!,
    stop: async () => {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

describe('acquirePidLock', () => {
  it('writes its holder whole, refuses a second taker while held (this process too), and releases', () => {
    const path = join(dir, 'x.lock');
    const release = acquirePidLock(path);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname() });
    expect(() => acquirePidLock(path)).toThrow(LockHeldError);
    // part of the public API: an InvitesDbError with a stable code
    expect(() => acquirePidLock(path)).toThrow(expect.objectContaining({ code: 'INVITES_LOCK_HELD', name: 'LockHeldError' }));
    release();
    expect(existsSync(path)).toBe(false);
    acquirePidLock(path)();
  });

  it('refuses a second taker in this process that names the folder another way (through a link, relative), and its holder keeps the file', () => {
    // It read its own pid in the file, found no lock held here by that name, took the lock as an earlier life's:
    // two embedded databases on one folder in one process (it corrupts), and the second's release removed the first's file.
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'link'));
    const release = acquirePidLock(join(dir, 'real', 'x.lock'));
    const mine = readFileSync(join(dir, 'real', 'x.lock'), 'utf8');
    expect(() => acquirePidLock(join(dir, 'link', 'x.lock'))).toThrow(LockHeldError);
    const cwd = process.cwd();
    process.chdir(join(dir, 'real'));
    try {
      expect(() => acquirePidLock('x.lock')).toThrow(LockHeldError);
    } finally {
      process.chdir(cwd);
    }
    expect(readFileSync(join(dir, 'real', 'x.lock'), 'utf8')).toBe(mine);
    release();
    expect(existsSync(join(dir, 'real', 'x.lock'))).toBe(false);
    acquirePidLock(join(dir, 'link', 'x.lock'))();
  });

  it('a release called twice leaves a later holder in this process its lock', () => {
    // The second call forgot the later open's lock held here: a third open read this pid in the file, found
    // nothing held here and took the lock over as an earlier life's (two embedded databases on one folder).
    const path = join(dir, 'x.lock');
    const first = acquirePidLock(path);
    first();
    const second = acquirePidLock(path);
    const held = readFileSync(path, 'utf8');
    first();
    expect(() => acquirePidLock(path)).toThrow(LockHeldError);
    expect(readFileSync(path, 'utf8')).toBe(held);
    second();
    expect(existsSync(path)).toBe(false);
  });

  it('a folder deleted with its lock held here and made again (the same inode, often) is not held here', () => {
    const folder = join(dir, 'db');
    mkdirSync(folder);
    const inode = statSync(folder).ino;
    acquirePidLock(join(folder, 'x.lock')); // never released: its folder is deleted under it
    for (let tries = 0; tries < 20; tries++) {
      rmSync(folder, { recursive: true });
      mkdirSync(folder);
      if (statSync(folder).ino === inode) break; // ext4 and tmpfs give the freed inode back at once
    }
    acquirePidLock(join(folder, 'x.lock'))();
  });

  it('refuses a running holder (new format and a bare pid), takes over a dead one, a reused pid and its own pid from an earlier life', async () => {
    const path = join(dir, 'x.lock');
    const running = runningProcess();
    try {
      writeFileSync(path, String(running.pid));
      expect(() => acquirePidLock(path)).toThrow(`is held by process ${running.pid} on ${hostname()}`);
      writeFileSync(path, JSON.stringify({ pid: running.pid, host: hostname(), startedAt: 'x' }));
      expect(() => acquirePidLock(path)).toThrow(LockHeldError);
      // the same pid, but another process start: the pid was reused after a crash
      writeFileSync(path, JSON.stringify({ pid: running.pid, host: hostname(), startedAt: 'x', processStart: '1' }));
      acquirePidLock(path)();
    } finally {
      await running.stop();
    }
    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'x' }));
    acquirePidLock(path)();
    writeFileSync(path, String(process.pid)); // a restarted container: pid 1 again, not held here
    acquirePidLock(path)();
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-machine', startedAt: 'x' }));
    expect(() => acquirePidLock(path)).toThrow('on another-machine'); // cannot be told from here: kept
  });

  it('an unreadable lock is held while recent, taken over once old', () => {
    const path = join(dir, 'x.lock');
    writeFileSync(path, '');
    expect(() => acquirePidLock(path)).toThrow('is held by an unknown process');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    acquirePidLock(path)();
  });

  it('of many processes that find the same stale lock at the same instant, exactly one takes it', async () => {
    const module = fileURLToPath(new URL('./pid-lock.ts', import.meta.url));
    const path = join(dir, 'x.lock');
    for (let round = 0; round < 4; round++) {
      writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), startedAt: 'x' }));
      const at = Date.now() + 1500;
      const script = `
        import { acquirePidLock } from ${JSON.stringify(module)};
        while (Date.now() < ${at}) {}
        // the winner holds the lock until the test has every outcome (its stdin ends): a child that
        // starts late on a loaded machine still finds it held, as the others did at the same instant
        try { const release = acquirePidLock(${JSON.stringify(path)}); console.log('won'); process.stdin.on('end', release).resume(); }
        catch (e) { console.log(e.name); }`;
      const children = Array.from({ length: 5 }, () =>
        spawn(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', '--input-type=module', '-e', script], {
          env: { ...process.env, NODE_OPTIONS: '' },
        }),
      );
      const exited = children.map((child) => new Promise((resolve) => child.on('exit', resolve)));
      const outcomes = await Promise.all(
        children.map(
          (child) =>
            new Promise<string>((resolve) => {
              let out = '';
              child.stdout.on('data', (chunk: Buffer) => {
                out += chunk.toString();
                if (out.includes('\n')) resolve(out.trim());
              });
              child.on('exit', () => resolve(out.trim()));
            }),
        ),
      );
      for (const child of children) child.stdin.end();
      await Promise.all(exited);
      expect(outcomes.sort()).toEqual(['LockHeldError', 'LockHeldError', 'LockHeldError', 'LockHeldError', 'won']);
      expect(existsSync(path)).toBe(false);
    }
  }, 60_000);
});
