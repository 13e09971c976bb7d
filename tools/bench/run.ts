/**
 * npm run bench: runs every project's bench/*.bench.ts (each in its own
 * process, one after another, so they do not compete for the 2 cores), then
 * writes docs/BENCHMARKS.md. Set BENCH_SCALE=0.01 for a quick smoke run and
 * BENCH_FILTER=<substring> to run some files only.
 *
 * Every ratio is measured in interleaved rounds (baseline, measured, baseline,
 * measured…) and reported as the median of the per-round ratios with their
 * spread. To show that this holds on a busy machine, the files matching
 * BENCH_BUSY (comma-separated substrings; default the invites-db and API
 * benches; `none` to skip) run a second time while two CPU-bound processes
 * (`node -e` busy loops, each in its own session, each ending with the runner) compete for the cores, and both runs are reported
 * side by side. The 1-minute load average is sampled during every run.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCpuHogs } from '@veza/test-support';
import type { BenchFigure, BenchSection } from '@veza/test-support';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const filter = process.env['BENCH_FILTER'] ?? '';
const busyFilter = (process.env['BENCH_BUSY'] ?? 'invites-db/bench,redemption-api/bench').split(',').filter((s) => s && s !== 'none');
/** One bench file may not run longer than this (a hung bench must not hang the run). */
// 20 minutes a file: on a loaded 2-core machine the CLI bench (prepare, four sends, the seed way) needs more than 10
const BENCH_DEADLINE_MS = 20 * 60_000;
const CPU_HOGS = 2;

function benchFiles(): string[] {
  const files: string[] = [];
  for (const group of ['libs', 'apps']) {
    for (const project of readdirSync(join(root, group))) {
      const dir = join(root, group, project, 'bench');
      if (!existsSync(dir)) continue;
      for (const file of readdirSync(dir).sort()) if (file.endsWith('.bench.ts')) files.push(join(dir, file));
    }
  }
  return files.filter((f) => f.includes(filter));
}

interface LoadSample {
  mean: number;
  min: number;
  max: number;
}

interface Outcome {
  file: string;
  section?: BenchSection;
  error?: string;
  load?: LoadSample;
  seconds: number;
}

/** Samples the 1-minute load average every 2 s until stopped. */
function sampleLoad(): () => LoadSample {
  const samples: number[] = [loadavg()[0] ?? 0];
  const timer = setInterval(() => samples.push(loadavg()[0] ?? 0), 2_000);
  return () => {
    clearInterval(timer);
    samples.push(loadavg()[0] ?? 0);
    return { mean: samples.reduce((a, b) => a + b, 0) / samples.length, min: Math.min(...samples), max: Math.max(...samples) };
  };
}

function waitExit(child: ChildProcess, deadlineMs: number, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what}: no result after ${deadlineMs / 1000} s, killed`));
    }, deadlineMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

async function runOne(file: string, underLoad = false): Promise<Outcome> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'veza-bench-'));
  const out = join(tmpDir, 'result.json');
  const stopSampling = sampleLoad();
  const started = Date.now();
  try {
    const child = spawn(
      process.execPath,
      ['--conditions=@veza/source', '--import', 'tsx', '--expose-gc', join(root, 'tools/bench/child.ts'), file, out, tmpDir],
      {
        stdio: ['ignore', 'inherit', 'inherit'],
        env: {
          ...process.env,
          BENCH_SCALE: String(scale),
          BENCH_UNDER_LOAD: underLoad ? '1' : '0',
          // the CLI's launcher (apps/cli/bin/veza-beta.mjs) gives prepare 16 libuv threads: its bench runs as the CLI does
          ...(file.includes('apps/cli/') ? { UV_THREADPOOL_SIZE: process.env['UV_THREADPOOL_SIZE'] ?? '16' } : {}),
        },
        cwd: root,
      },
    );
    const code = await waitExit(child, BENCH_DEADLINE_MS, relative(root, file));
    if (code !== 0) throw new Error(`exited with ${code}`);
    return {
      file,
      section: JSON.parse(readFileSync(out, 'utf8')) as BenchSection,
      load: stopSampling(),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (error) {
    return {
      file,
      error: error instanceof Error ? error.message.split('\n')[0] : String(error),
      load: stopSampling(),
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

/**
 * Runs `work` while CPU_HOGS busy loops, each in a session of its own (startCpuHogs says why), compete for the
 * cores; they are killed afterwards, or at the deadline at the latest.
 */
async function underLoad<T>(work: () => Promise<T>): Promise<T> {
  const { stop } = startCpuHogs(CPU_HOGS);
  const deadline = setTimeout(stop, BENCH_DEADLINE_MS * 2);
  try {
    return await work();
  } finally {
    clearTimeout(deadline);
    stop();
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

/**
 * A ratio's median, with a third decimal under 10: two decimals showed a median of 0.845 as "0.85x" beside
 * its target "≥ 0.85x" and "no".
 */
const fmtRatio = (n: number) => (Number.isFinite(n) && Math.abs(n) < 10 ? n.toFixed(3) : fmt(n));

function ratioText(f: BenchFigure): string {
  if (!f.spread) return `${fmtRatio(f.ratio)}x`;
  const s = f.spread;
  return `${fmtRatio(f.ratio)}x (${fmt(s.min)}–${fmt(s.max)}, IQR ${fmt(s.q1)}–${fmt(s.q3)}, ${s.rounds} rounds)`;
}

const loadText = (l: LoadSample | undefined) => (l ? `${l.mean.toFixed(2)} (${l.min.toFixed(2)}–${l.max.toFixed(2)})` : 'n/a');

const loadAtStart = loadavg();
const startedAt = Date.now();
const outcomes: Outcome[] = [];
const busy: Outcome[] = [];
for (const file of benchFiles()) {
  console.log(`== bench ${relative(root, file)} (scale ${scale})`);
  outcomes.push(await runOne(file));
  writeReport(false); // after every file, so that a run cut short still leaves what it measured
}
const busyFiles = benchFiles().filter((f) => busyFilter.some((b) => f.includes(b)));
if (busyFiles.length > 0) {
  await underLoad(async () => {
    for (const file of busyFiles) {
      console.log(`== bench ${relative(root, file)} (scale ${scale}) with ${CPU_HOGS} CPU hogs running`);
      busy.push(await runOne(file, true));
      writeReport(false);
    }
  });
}
const written = writeReport(true);
console.log(`wrote ${relative(root, written)} (${outcomes.length} bench files${busy.length ? `, ${busy.length} again under load` : ''})`);
if ([...outcomes, ...busy].some((s) => !s.section)) process.exitCode = 1;

function writeReport(complete: boolean): string {
  const lines = [
    '# Benchmarks',
    '',
    `Written by \`npm run bench\` on ${new Date().toISOString()} (${Math.round((Date.now() - startedAt) / 1000)} s${complete ? '' : ', still running: partial'}): Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), scale ${scale}.`,
    `Machine load (1/5/15-minute load averages) at the start: ${loadAtStart.map((l) => l.toFixed(2)).join(' / ')}; at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' / ')}.`,
    '',
    'Each ratio is measured in interleaved rounds (baseline, measured, baseline, measured…, the same sizes on both sides), so that load from other processes shifts both sides alike. The ratio column is the median of the per-round ratios, followed by their min–max and interquartile range; measured and baseline are the medians of each side. Absolute numbers vary between machines and with load, the ratios much less: see "Quiet vs busy machine" at the end.',
    '',
  ];
  for (const { file, section, error, load, seconds } of outcomes) {
    const where = relative(root, file);
    if (!section) {
      lines.push(`## ${where}`, '', `**Failed**: ${error ?? 'no result'}`, '');
      continue;
    }
    lines.push(
      `## ${section.title}`,
      '',
      `Source: \`${where}\` (${Math.round(seconds)} s; 1-minute load average during the run: mean ${loadText(load)})`,
      '',
      '| what | measured | baseline | ratio (median, min–max, IQR) | target | met |',
      '|---|---|---|---|---|---|',
    );
    for (const f of section.figures) {
      lines.push(
        `| ${f.label} | ${f.measured.name}: ${fmt(f.measured.value)} ${f.measured.unit} | ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.baseline.unit} | ${ratioText(f)} | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : '**no**'} |`,
      );
    }
    lines.push('');
    for (const note of section.notes ?? []) lines.push(`- ${note}`);
    if (section.notes?.length) lines.push('');
  }
  if (busy.length > 0) {
    lines.push(
      '## Quiet vs busy machine',
      '',
      `The same bench files run a second time while ${CPU_HOGS} busy loops (\`node -e\`) keep both cores busy (each in a session of its own, as another user's or service's processes run; started before, killed after, and ending on their own if the runner dies). Target: every ratio within 20% of the quiet run.`,
      '',
      '| bench | what | quiet ratio (min–max) | busy ratio (min–max) | busy / quiet | within 20% |',
      '|---|---|---|---|---|---|',
    );
    for (const b of busy) {
      const quiet = outcomes.find((o) => o.file === b.file);
      const where = relative(root, b.file);
      if (!b.section || !quiet?.section) {
        lines.push(`| \`${where}\` | failed: ${b.error ?? quiet?.error ?? 'no result'} | | | | |`);
        continue;
      }
      for (const f of b.section.figures) {
        const q = quiet.section.figures.find((x) => x.label === f.label);
        if (!q) continue;
        const shift = f.ratio / q.ratio;
        const range = (x: BenchFigure) => `${fmt(x.ratio)}x${x.spread ? ` (${fmt(x.spread.min)}–${fmt(x.spread.max)})` : ''}`;
        lines.push(
          `| \`${where}\` | ${f.label} | ${range(q)} | ${range(f)} | ${shift.toFixed(2)} | ${Math.abs(shift - 1) <= 0.2 ? 'yes' : '**no**'} |`,
        );
      }
    }
    lines.push(
      '',
      `1-minute load average during the busy runs: ${busy.map((b) => `\`${relative(root, b.file)}\` mean ${loadText(b.load)}`).join('; ')}; during the quiet runs of the same files: ${busy.map((b) => `mean ${loadText(outcomes.find((o) => o.file === b.file)?.load)}`).join('; ')}.`,
      '',
    );
  }
  // A partial or scaled-down run must not replace the full figures: it goes to tmp/ instead.
  const target = filter || scale !== 1 ? join(root, 'tmp', 'BENCHMARKS.partial.md') : join(root, 'docs', 'BENCHMARKS.md');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, lines.join('\n'));
  return target;
}
