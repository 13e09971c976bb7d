// Runs one bench file's run(ctx) and writes its section as JSON.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { BenchRun } from '@veza/test-support';

const [file, out, tmpDir] = process.argv.slice(2) as [string, string, string];
const mod = (await import(pathToFileURL(file).href)) as { run: BenchRun };
const section = await mod.run({
  databaseUrl: process.env['TEST_DATABASE_URL'],
  scale: Number(process.env['BENCH_SCALE'] ?? '1'),
  tmpDir,
  underLoad: process.env['BENCH_UNDER_LOAD'] === '1',
  log: (message) => console.log(`   ${message}`),
});
writeFileSync(out, JSON.stringify(section));
// A bench that leaves a socket or timer open must not hang the whole run.
process.exit(0);
