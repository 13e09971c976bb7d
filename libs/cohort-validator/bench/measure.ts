// One measurement in a fresh process, so that its peak RSS is its own: either
// a bare csv-parse pass (the baseline) or the full validation of a file.
// Prints {ms, maxRssMb, rows} as JSON. Used by validate.bench.ts.
import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { validateCohortFile } from '../src/index.js';

const [mode, file] = process.argv.slice(2) as ['parse' | 'validate', string];
const start = process.hrtime.bigint();
let rows = 0;
if (mode === 'parse') {
  for await (const _record of createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(parse({ bom: true }))) rows++;
  rows--; // the header
} else {
  const result = await validateCohortFile(file);
  rows = result.value.summary.rows;
  if (!result.ok) throw new Error(`the generated file should be valid: ${result.errors[0]?.message ?? ''}`);
}
const ms = Number(process.hrtime.bigint() - start) / 1e6;
console.log(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, rows }));
