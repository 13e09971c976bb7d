// The chaos run: random pairs and triples of the mutating commands (prepare,
// dispatch, SEND=1 send, revoke, reissue, cleanup, migrate, redemptions through
// the API, the welcome outbox) at once, cut short by kill -9, SIGTERM or
// Ctrl-C, on a throwaway PostgreSQL and on the embedded PGlite; then the
// invariants (docs/ci/chaos.md). Seeded: the same seed gives the same schedule.
//
//   node --conditions=@veza/source --import tsx tools/chaos/chaos.ts [--seed N] [--seeds K] [--minutes M]
//        [--backend postgres|pglite|both] [--rounds R] [--keep]
//
// PostgreSQL comes from TEST_DATABASE_URL (tools/with-postgres.sh sets it).
// Exit 0 when no scenario broke an invariant, 1 otherwise (each violation printed with its seed).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runChaos } from './run-chaos.js';
import { helperProcesses } from './start-process.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    seeds: { type: 'string', default: '1' },
    minutes: { type: 'string' },
    backend: { type: 'string', default: 'both' },
    rounds: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
  },
});
const backend = values.backend;
if (backend !== 'postgres' && backend !== 'pglite' && backend !== 'both')
  throw new Error(`--backend: postgres, pglite or both, not ${backend}`);

const prebuilt = process.env['VEZA_PREBUILT_DIR'] ? null : mkdtempSync(join(tmpdir(), 'veza-chaos-apps-'));
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    for (const child of helperProcesses) if (child.pid) process.kill(-child.pid, 'SIGKILL');
    if (prebuilt) rmSync(prebuilt, { recursive: true, force: true });
    process.exit(130);
  });
const summary = await runChaos({
  firstSeed: values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 1_000_000),
  seeds: Number(values.seeds),
  untilMs: values.minutes !== undefined ? Date.now() + Number(values.minutes) * 60_000 : null,
  backends: backend === 'both' ? ['postgres', 'pglite'] : [backend],
  rounds: Number(values.rounds),
  keep: values.keep,
  serverUrl: process.env['TEST_DATABASE_URL'],
  prebuiltDir: prebuilt,
  log: (line) => process.stdout.write(`${line}\n`),
});
if (prebuilt) rmSync(prebuilt, { recursive: true, force: true });
process.exitCode = summary.violations > 0 ? 1 : 0;
