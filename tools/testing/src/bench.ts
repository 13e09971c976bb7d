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
