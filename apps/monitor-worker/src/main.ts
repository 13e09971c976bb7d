/**
 * npm run monitor: the six gates once, or in a loop with LOOP=1. Exit codes:
 * 0 GO, 1 NO-GO, 2 inconclusive (or stopped before a run finished),
 * 3 configuration error (before probing), 70 a bug. SIGTERM / SIGINT stop
 * the loop at once; the exit code is then the last verdict's.
 */
import { runMonitor } from '@veza/gate-probes';
import { readEnv } from '@veza/invites-db';

// .env in the working directory fills in what the environment does not set, as in every app.
const { env } = readEnv();
const controller = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => controller.abort());

runMonitor({ argv: process.argv.slice(2), env: { ...env }, stdout: process.stdout, stderr: process.stderr, signal: controller.signal }).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`monitor-worker: unexpected failure (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
