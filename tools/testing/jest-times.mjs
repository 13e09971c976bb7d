// Prints where a jest run's time went, from its --json report (tools/test.sh
// writes one): per project, the number of spec files and the sum of their
// wall times (files run three at a time, so the sums add up to more than the
// run), then the ten slowest files. Usage: node tools/testing/jest-times.mjs REPORT.json
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const root = process.cwd();
const files = report.testResults.map((r) => ({
  file: relative(root, r.name),
  project: relative(root, r.name).split('/').slice(0, 2).join('/'),
  seconds: (r.endTime - r.startTime) / 1000,
}));
const projects = new Map();
for (const f of files) {
  const p = projects.get(f.project) ?? { files: 0, seconds: 0 };
  projects.set(f.project, { files: p.files + 1, seconds: p.seconds + f.seconds });
}
console.log('== where the test time went (seconds of wall time per spec file, summed per project)');
for (const [project, p] of [...projects].sort((a, b) => b[1].seconds - a[1].seconds))
  console.log(`${project.padEnd(24)} ${String(p.files).padStart(3)} files ${p.seconds.toFixed(0).padStart(5)} s`);
console.log('== the ten slowest spec files');
for (const f of [...files].sort((a, b) => b.seconds - a.seconds).slice(0, 10))
  console.log(`${f.seconds.toFixed(0).padStart(5)} s  ${f.file}`);
