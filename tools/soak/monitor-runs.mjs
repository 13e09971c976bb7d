// Reads a monitor soak's --json output (one run a line) and says whether the loop kept its pace:
// runs, the longest run (it must end within GATES_RUN_TIMEOUT_MS), the longest gap from one run's
// end to the next one's start (showing, storing, the webhook and the pause: it must not exceed
// GATES_RUN_TIMEOUT_MS plus CHECK_INTERVAL, or the loop stalled), the start-to-start median and
// maximum (the median is CHECK_INTERVAL, or the run's length when that is longer: more is a drift),
// and the verdicts and ⚪ reasons seen.
//   node tools/soak/monitor-runs.mjs monitor.out
import { readFileSync } from 'node:fs';

const runs = readFileSync(process.argv[2] ?? '/dev/stdin', 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('{'))
  .map((line) => JSON.parse(line));
const ms = (iso) => Date.parse(iso);
let longestRun = 0;
let longestGap = 0;
const verdicts = {};
const reasons = {};
for (const [i, run] of runs.entries()) {
  longestRun = Math.max(longestRun, ms(run.finishedAt) - ms(run.startedAt));
  if (i > 0) longestGap = Math.max(longestGap, ms(run.startedAt) - ms(runs[i - 1].finishedAt));
  verdicts[run.verdict] = (verdicts[run.verdict] ?? 0) + 1;
  for (const gate of run.gates)
    if (gate.state !== 'pass')
      reasons[`${gate.id} ${gate.state} ${gate.reason}`] = (reasons[`${gate.id} ${gate.state} ${gate.reason}`] ?? 0) + 1;
}
// start to start: CHECK_INTERVAL when runs are shorter than it (a drift shows as a median above it)
const starts = runs
  .slice(1)
  .map((run, i) => ms(run.startedAt) - ms(runs[i].startedAt))
  .sort((x, y) => x - y);
const startToStartMs = starts.length ? { median: starts[Math.floor(starts.length / 2)], max: starts.at(-1) } : null;
const span = runs.length > 1 ? (ms(runs.at(-1).startedAt) - ms(runs[0].startedAt)) / 1000 : 0;
process.stdout.write(
  `${JSON.stringify({ runs: runs.length, spanSeconds: Math.round(span), longestRunMs: longestRun, longestGapBetweenRunsMs: longestGap, startToStartMs, verdicts, reasons }, null, 1)}\n`,
);
