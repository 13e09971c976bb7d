import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { expect } from '@jest/globals';
import { newWorkerId, workerProcess } from './worker-id.js';

/** A process's start (field 22 of /proc/<pid>/stat, ticks since boot), as a test reads it. */
const startOf = (pid: number | 'self') => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
};
const ownPidNamespace = /\d+/.exec(readlinkSync('/proc/self/ns/pid'))![0];

async function started(args: string[]): Promise<ChildProcess> {
  const child = spawn('sleep', args, { stdio: 'ignore' });
  await new Promise((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  return child;
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

describe('newWorkerId and workerProcess', () => {
  it("names this process by host, pid, a random part, its start and its pid namespace; this process's ids are its own, an id of its pid with another start is a process gone", () => {
    const id = newWorkerId();
    expect(id).toBe(`${hostname()}:${process.pid}:${id.split(':').at(-1)}`);
    expect(id.split(':').at(-1)).toMatch(new RegExp(`^[0-9a-f]{6}\\.${startOf('self')}\\.${ownPidNamespace}$`));
    expect(newWorkerId()).not.toBe(id); // two senders in one process differ
    expect(workerProcess(id)).toBe('this-process');
    // a process that had this pid before this one (a dispatcher that died; the pid was given to this one since)
    expect(workerProcess(`${hostname()}:${process.pid}:abcdef.1.${ownPidNamespace}`)).toBe('gone');
  });

  it("a running process is told by its start, not by the claim's date: a database whose clock is minutes behind or ahead of this machine's dates its claims off by as much", async () => {
    const live = await started(['60']);
    const start = startOf(live.pid!);
    const id = `${hostname()}:${live.pid}:a1b2c3.${start}.${ownPidNamespace}`;
    try {
      const now = Date.now();
      // before: a claim dated more than a minute before its claimer's start read as "pid reused": gone, and resent
      expect(workerProcess(id, new Date(now - 5 * 60_000))).toBe('running');
      expect(workerProcess(id, new Date(now + 60 * 60_000))).toBe('running');
      expect(workerProcess(id)).toBe('running');
      // the same pid with another start is another process: the claimer's is gone, whatever the claim's date
      const other = `${hostname()}:${live.pid}:a1b2c3.${Number(start) - 1}.${ownPidNamespace}`;
      expect(workerProcess(other, new Date(now + 60 * 60_000))).toBe('gone');
      // a claimer in another pid namespace (a container sharing this host's name): its pids are not ours
      expect(workerProcess(`${hostname()}:${live.pid}:a1b2c3.${start}.1`)).toBe('unknown');
      expect(workerProcess(`elsewhere:${live.pid}:a1b2c3.${start}.${ownPidNamespace}`)).toBe('unknown');
    } finally {
      await ended(live);
    }
    expect(workerProcess(id)).toBe('gone');
  });

  it('an id without a start (a veza-beta before 2026-12-01) keeps the clock rule: a process that started over a minute after the claim has another pid', async () => {
    const live = await started(['60']);
    try {
      const id = `${hostname()}:${live.pid}:a1b2c3`;
      expect(workerProcess(id, new Date(Date.now() - 5 * 60_000))).toBe('gone');
      expect(workerProcess(id, new Date())).toBe('running');
      expect(workerProcess(id)).toBe('running');
    } finally {
      await ended(live);
    }
  });

  it('a zombie (killed, not yet reaped) is gone', async () => {
    // sh forks a sleep that exits at once and is not reaped while sh sleeps on: a zombie under sh
    const parent = spawn('sh', ['-c', 'sleep 0 & exec sleep 60'], { stdio: 'ignore' });
    try {
      await new Promise((resolve) => parent.once('spawn', resolve));
      let zombie: number | undefined;
      for (let i = 0; i < 100 && zombie === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        const children = readFileSync(`/proc/${parent.pid}/task/${parent.pid}/children`, 'utf8').trim().split(' ').filter(Boolean);
        zombie = children.map(Number).find((pid) => {
          const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
          return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z ');
        });
      }
      expect(zombie).toBeDefined();
      expect(workerProcess(`${hostname()}:${zombie}:a1b2c3.${startOf(zombie!)}.${ownPidNamespace}`)).toBe('gone');
    } finally {
      await ended(parent);
    }
  });
});
