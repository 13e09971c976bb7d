import { spawn } from 'node:child_process';

/**
 * The benchmark contract. Each project may have `bench/*.bench.ts` files that
 * export `run(ctx)`; `npm run bench` (tools/bench/run.ts) runs them all, in one
 * process per file, and writes docs/BENCHMARKS.md. Every figure is a ratio
 * against a baseline measured in the same run, on the same machine.
 */
export interface BenchContext {
  /** A throwaway PostgreSQL (admin URL; create your own database in it), when the harness started one. */
  databaseUrl: string | undefined;
  /** 1 for the full sizes of the issue; BENCH_SCALE=0.01 for a quick smoke run. */
  scale: number;
  /** A private temp directory, removed afterwards. */
  tmpDir: string;
  /** true in the second run under CPU load (npm run bench's quiet vs busy comparison): extras such as breakdowns may be skipped */
  underLoad?: boolean;
  log(message: string): void;
}

export interface BenchMeasure {
  name: string;
  value: number;
  /** e.g. "ms", "rows/s", "req/s", "MB" */
  unit: string;
}

export interface BenchFigure {
  /** what is compared, e.g. "create 100,000 invites" */
  label: string;
  measured: BenchMeasure;
  baseline: BenchMeasure;
  /** how to read the ratio: 'faster' = baseline/measured for times, measured/baseline for rates */
  ratio: number;
  /** the issue's target, in words, e.g. "≥ 20x faster" */
  target?: string;
  met?: boolean;
  /** the per-round ratios' spread when the figure was measured in interleaved rounds (`ratio` is then their median) */
  spread?: RatioSpread;
}

/** The per-round ratios of an interleaved measurement: median, min, max, interquartile range. */
export interface RatioSpread {
  rounds: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
}

export interface BenchSection {
  title: string;
  figures: BenchFigure[];
  /** extra lines (peak RSS, sizes, method) */
  notes?: string[];
}

export type BenchRun = (ctx: BenchContext) => Promise<BenchSection>;

/** Wall time of an async function, in milliseconds. */
export async function timeIt(work: () => unknown): Promise<number> {
  const start = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Median of a list (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The q-quantile (0–1) of a list sorted in ascending order, interpolated between its two nearest values; NaN for none. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** The median ratio and its spread over rounds. */
export function ratioOf(ratios: readonly number[]): { ratio: number; spread: RatioSpread } {
  const sorted = [...ratios].sort((a, b) => a - b);
  return {
    ratio: median(sorted),
    spread: {
      rounds: sorted.length,
      min: sorted[0] ?? Number.NaN,
      max: sorted.at(-1) ?? Number.NaN,
      q1: quantile(sorted, 0.25),
      q3: quantile(sorted, 0.75),
    },
  };
}

export interface InterleavedResult {
  /** one value per round, in order */
  baseline: number[];
  measured: number[];
}

/**
 * Runs `rounds` rounds of baseline then measured (baseline, measured,
 * baseline, measured…), so that load from other processes, which drifts over
 * seconds, shifts both sides alike. Each side returns its figure for the round
 * (a time, a rate). `between` runs outside the timed sides (fresh data).
 */
export async function interleave(
  rounds: number,
  sides: { baseline: (round: number) => Promise<number> | number; measured: (round: number) => Promise<number> | number },
  between?: (round: number) => Promise<void> | void,
): Promise<InterleavedResult> {
  const result: InterleavedResult = { baseline: [], measured: [] };
  for (let round = 0; round < rounds; round++) {
    if (between) await between(round);
    result.baseline.push(await sides.baseline(round));
    result.measured.push(await sides.measured(round));
  }
  return result;
}

/**
 * A figure from interleaved rounds: the ratio is the median of the per-round
 * ratios, measured and baseline the medians of each side. `kind` says how the
 * ratio reads: 'rate' = measured/baseline (throughputs), 'time-faster' =
 * baseline/measured (times, "N x faster"), 'time-slower' = measured/baseline
 * (times, "N x the baseline's time").
 */
export function interleavedFigure(
  r: InterleavedResult,
  kind: 'rate' | 'time-faster' | 'time-slower',
  f: Omit<BenchFigure, 'ratio' | 'spread' | 'measured' | 'baseline' | 'met'> & {
    measured: Omit<BenchMeasure, 'value'>;
    baseline: Omit<BenchMeasure, 'value'>;
    met?: (ratio: number) => boolean;
  },
): BenchFigure {
  const ratios = r.measured.map((m, i) => (kind === 'time-faster' ? r.baseline[i]! / m : m / r.baseline[i]!));
  const { ratio, spread } = ratioOf(ratios);
  const { met, ...rest } = f;
  return {
    ...rest,
    measured: { ...f.measured, value: median(r.measured) },
    baseline: { ...f.baseline, value: median(r.baseline) },
    ratio,
    spread,
    ...(met ? { met: met(ratio) } : {}),
  };
}

export interface CpuHogs {
  pids: number[];
  /** Kills the hogs (SIGKILL); idempotent. */
  stop: () => void;
}

const CLEANUP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * A hog's program: a busy loop that, every ten million turns (a few ms), ends itself once its parent, whose pid
 * it gets as its argument, is gone (it was reparented), so that a bench process killed with SIGKILL, which runs
 * no handler, leaves none behind. The pid comes from the parent: one killed while the hog was still starting
 * would otherwise leave a hog that took its new parent for its own.
 */
const HOG = 'const parent = Number(process.argv[1]); for (let i = 0; ; i++) if (i % 1e7 === 0 && process.ppid !== parent) process.exit();';

/**
 * Starts `count` CPU-bound processes (`node -e` with a busy loop, see HOG), the load of npm run bench's busy run. Each runs
 * in a session of its own (setsid), as another user's or service's process does: with Linux's autogroup
 * (sched_autogroup_enabled = 1) a session is a scheduling group, and CPU time is shared between groups before
 * tasks. Hogs in the bench's own session competed 2:1 with the bench process inside its group, while the
 * PostgreSQL server (its own session: pg_ctl starts it with setsid) met them only as one group among others:
 * the load fell mostly on the client half of every comparison. Out of the bench's process group they no
 * longer get a terminal's Ctrl-C,
 * so this process kills them when it exits or gets SIGINT, SIGTERM or SIGHUP (then dies of that signal), and
 * each hog ends itself when this process is gone another way (SIGKILL, of it alone or of its process group).
 */
export function startCpuHogs(count: number): CpuHogs {
  const hogs = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', HOG, String(process.pid)], { stdio: 'ignore', detached: true }),
  );
  const stop = () => {
    for (const hog of hogs) if (hog.exitCode === null && hog.signalCode === null) hog.kill('SIGKILL');
    process.off('exit', stop);
    for (const signal of CLEANUP_SIGNALS) process.off(signal, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    stop();
    process.kill(process.pid, signal);
  };
  process.on('exit', stop);
  for (const signal of CLEANUP_SIGNALS) process.on(signal, onSignal);
  return { pids: hogs.map((hog) => hog.pid!), stop };
}
