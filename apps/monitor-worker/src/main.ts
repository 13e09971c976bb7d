/**
 * npm run monitor: the six gates once, or in a loop with LOOP=1. Exit codes:
 * 0 GO, 1 NO-GO, 2 inconclusive (or stopped before a run finished),
 * 3 configuration error (before probing), 70 a bug. SIGTERM / SIGINT stop
 * the loop at once; the exit code is then the last verdict's.
 */
import { CONFIG_ERROR_EXIT_CODE, monitorSettingsFromEnv, runMonitor } from '@veza/gate-probes';
import { readEnv } from '@veza/invites-db';
import { parseCommandLine } from './command-line.js';
import { showRun } from './show-run.js';

const say = (line: string) => process.stderr.write(`monitor-worker: ${line}\n`);

async function main(): Promise<number> {
  // .env in the working directory fills in what the environment does not set, as in every app.
  const { env } = readEnv();
  const commandLine = await parseCommandLine(process.argv.slice(2));
  if (commandLine.kind === 'help') return 0;
  const settings = monitorSettingsFromEnv(env, { once: commandLine.kind === 'run' && commandLine.args.once });
  const errors = [...(commandLine.kind === 'error' ? commandLine.errors : []), ...(settings.ok ? [] : settings.errors)];
  if (commandLine.kind === 'error' || !settings.ok) {
    for (const error of errors) say(`configuration error: ${error}`);
    if (commandLine.kind === 'error') process.stderr.write(`\n${commandLine.usage}\n`);
    return CONFIG_ERROR_EXIT_CODE;
  }
  for (const warning of settings.warnings) say(`warning: ${warning}`);

  const controller = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => controller.abort());
  const outputs = { ...commandLine.args, loop: settings.value.loop, stepSummary: env['GITHUB_STEP_SUMMARY']?.trim() || null };
  return runMonitor(settings.value, { onRun: showRun(outputs, process.stdout), say, signal: controller.signal });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`monitor-worker: unexpected failure (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
