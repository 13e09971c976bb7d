/**
 * npm run bench: runs every project's bench/*.bench.ts (each in its own
 * process, one after another, so they do not compete for the 2 cores), then
 * writes docs/BENCHMARKS.md. Set BENCH_SCALE=0.01 for a quick smoke run and
 * BENCH_FILTER=<substring> to run some files only.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchSection } from '@veza/test-support';

const root = fileURLToPath(new URL('../..', import.meta.url));
const scale = Number(process.env['BENCH_SCALE'] ?? '1');
const filter = process.env['BENCH_FILTER'] ?? '';

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

async function runOne(file: string): Promise<BenchSection> {
  const tmpDir = mkdtempSync(join(tmpdir(), 'veza-bench-'));
  const out = join(tmpDir, 'result.json');
  try {
    execFileSync(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', '--expose-gc', join(root, 'tools/bench/child.ts'), file, out, tmpDir], {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, BENCH_SCALE: String(scale) },
      cwd: root,
    });
    return JSON.parse(readFileSync(out, 'utf8')) as BenchSection;
  } finally {
    rmSync(tmpDir, { recursive: true, force: true });
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  return n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2);
}

const sections: { file: string; section?: BenchSection; error?: string }[] = [];
for (const file of benchFiles()) {
  console.log(`== bench ${relative(root, file)} (scale ${scale})`);
  try {
    sections.push({ file, section: await runOne(file) });
  } catch (error) {
    sections.push({ file, error: error instanceof Error ? error.message.split('\n')[0] : String(error) });
  }
}

const lines = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString()}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), scale ${scale}.`,
  'Each figure is a ratio against a baseline measured in the same run on the same machine; absolute numbers vary between machines, the ratios much less.',
  '',
];
for (const { file, section, error } of sections) {
  const where = relative(root, file);
  if (!section) {
    lines.push(`## ${where}`, '', `**Failed**: ${error ?? 'no result'}`, '');
    continue;
  }
  lines.push(`## ${section.title}`, '', `Source: \`${where}\``, '', '| what | measured | baseline | ratio | target | met |', '|---|---|---|---|---|---|');
  for (const f of section.figures) {
    lines.push(
      `| ${f.label} | ${f.measured.name}: ${fmt(f.measured.value)} ${f.measured.unit} | ${f.baseline.name}: ${fmt(f.baseline.value)} ${f.baseline.unit} | ${fmt(f.ratio)}x | ${f.target ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  for (const note of section.notes ?? []) lines.push(`- ${note}`);
  if (section.notes?.length) lines.push('');
}
writeFileSync(join(root, 'docs/BENCHMARKS.md'), lines.join('\n'));
console.log(`wrote docs/BENCHMARKS.md (${sections.length} bench files)`);
if (sections.some((s) => !s.section)) process.exitCode = 1;
