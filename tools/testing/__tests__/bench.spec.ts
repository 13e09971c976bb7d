import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { interleave, interleavedFigure, median, ratioOf, startCpuHogs } from '../src/bench.js';
import { alive, gone } from '../src/launched-process.js';

describe('bench ratios from interleaved rounds', () => {
  it('runs baseline then measured in each round, in order', async () => {
    const order: string[] = [];
    const r = await interleave(
      3,
      { baseline: (i) => (order.push(`b${i}`), 10 + i), measured: (i) => (order.push(`m${i}`), 20 + i) },
      (i) => void order.push(`fresh${i}`),
    );
    expect(order).toEqual(['fresh0', 'b0', 'm0', 'fresh1', 'b1', 'm1', 'fresh2', 'b2', 'm2']);
    expect(r).toEqual({ baseline: [10, 11, 12], measured: [20, 21, 22] });
  });

  it('reports the median of the per-round ratios with min, max and quartiles', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    const { ratio, spread } = ratioOf([1, 2, 3, 4, 100]);
    expect(ratio).toBe(3);
    expect(spread).toEqual({ rounds: 5, min: 1, max: 100, q1: 2, q3: 4 });
  });

  it('pairs each round with its own baseline, whatever the load did between rounds', () => {
    // the machine got twice as slow in round 2: both sides moved, the ratio did not
    const times = { baseline: [100, 200, 100], measured: [50, 100, 50] };
    const faster = interleavedFigure(times, 'time-faster', {
      label: 'x',
      measured: { name: 'm', unit: 'ms' },
      baseline: { name: 'b', unit: 'ms' },
      met: (r) => r >= 2,
    });
    expect(faster).toMatchObject({ ratio: 2, met: true, spread: { min: 2, max: 2 }, measured: { value: 50 }, baseline: { value: 100 } });
    const rates = interleavedFigure({ baseline: [1000, 500], measured: [800, 400] }, 'rate', {
      label: 'y',
      measured: { name: 'm', unit: '/s' },
      baseline: { name: 'b', unit: '/s' },
    });
    expect(rates.ratio).toBeCloseTo(0.8);
    expect(rates.met).toBeUndefined();
    expect(
      interleavedFigure(times, 'time-slower', { label: 'z', measured: { name: 'm', unit: 'ms' }, baseline: { name: 'b', unit: 'ms' } })
        .ratio,
    ).toBe(0.5);
  });
});

/** The session id of a process, from /proc/<pid>/stat (the field after state, ppid and pgrp). */
const sessionOf = (pid: number) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[3]);
const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux("the busy run's CPU hogs", () => {
  const started: number[] = [];
  afterEach(() => {
    for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
  });

  it('run each in a session of its own, not in the bench process’s scheduling group, and stop() ends them', async () => {
    const hogs = startCpuHogs(2);
    started.push(...hogs.pids);
    const sessions = hogs.pids.map(sessionOf);
    expect(sessions).toEqual(hogs.pids); // each the leader of its own session
    expect(sessions).not.toContain(sessionOf(process.pid));
    hogs.stop();
    for (const pid of hogs.pids) expect(await gone(pid, 10_000)).toBe(true);
  });

  // SIGKILL runs no handler: there the hogs must notice on their own that the process is gone
  it.each(['SIGTERM', 'SIGINT', 'SIGKILL'] as const)('end with the process that started them when it gets %s', async (signal) => {
    const script = `import(${JSON.stringify(fileURLToPath(new URL('../src/bench.ts', import.meta.url)))}).then((m) => { console.log(JSON.stringify(m.startCpuHogs(2).pids)); setInterval(() => {}, 1000); })`;
    const child = spawn(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    started.push(child.pid!);
    const pids = await new Promise<number[]>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(JSON.parse(out) as number[]);
      });
      child.once('exit', (code) => reject(new Error(`the child exited with ${code} before starting its hogs`)));
    });
    started.push(...pids);
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, sig) => resolve(sig)));
    child.kill(signal);
    expect(await exited).toBe(signal); // it still dies of the signal
    for (const pid of pids) expect(await gone(pid, 10_000)).toBe(true);
  });
});
