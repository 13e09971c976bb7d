import { existsSync, writeFileSync, appendFileSync } from 'node:fs';
import { CONFIG_ERROR_EXIT_CODE, gatesConfigFromEnv, renderJson, renderJunit, renderMarkdown, renderTable, runGates } from '@veza/gate-probes';
import type { GateRun } from '@veza/gate-probes';
import { DEFAULT_DATA_DIR, openDatabase, openOptionsFromEnv } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';

interface Args {
  json: boolean;
  junit?: string;
  markdown?: string;
}

/**
 * The database for the testers gate, with the gate's time budget as statement
 * timeout; none when no database is configured or the embedded one was never
 * created (the gate then says so as ⚪).
 */
export async function openTestersDatabase(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Connection | undefined> {
  const options = openOptionsFromEnv(env);
  if (!options.databaseUrl && !existsSync(options.dataDir ?? DEFAULT_DATA_DIR)) return undefined;
  try {
    return await openDatabase({ ...options, statementTimeoutMs: timeoutMs, maxConnections: 1 });
  } catch {
    return undefined; // unreachable: the testers gate reports ⚪
  }
}

/** Writes the outputs the flags ask for; the terminal table unless --json. */
export function writeGateOutputs(run: GateRun, args: Args, env: NodeJS.ProcessEnv): void {
  process.stdout.write(args.json ? `${renderJson(run)}\n` : `${renderTable(run)}\n`);
  if (args.junit) writeFileSync(args.junit, renderJunit(run));
  if (args.markdown !== undefined) {
    if (args.markdown) writeFileSync(args.markdown, renderMarkdown(run));
    else if (!env['GITHUB_STEP_SUMMARY']) process.stdout.write(`\n${renderMarkdown(run)}\n`);
  }
  if (env['GITHUB_STEP_SUMMARY']) appendFileSync(env['GITHUB_STEP_SUMMARY'], `${renderMarkdown(run)}\n`);
}

export const gatesCheckCommand: CommandModule<object, Args> = {
  command: 'check',
  describe: 'Run the six acceptance gates once: 0 GO, 1 NO-GO, 2 inconclusive, 3 configuration error',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the run as JSON instead of the table' })
      .option('junit', { type: 'string', describe: 'Also write JUnit XML to this file (one test case per gate)' })
      .option('markdown', { type: 'string', describe: 'Also write Markdown to this file (no value: print it, or append to $GITHUB_STEP_SUMMARY)' })
      .example('TESTERS_TARGET=30 PROM_URL=https://prom.veza.fr $0 gates check', 'The gates that are configured; the others are ⚪ not configured')
      .example('$0 gates check --junit gates.xml --markdown', 'For CI: JUnit file and a job summary'),
  handler: async (args) => {
    const env = loadEnv();
    const config = gatesConfigFromEnv(env);
    for (const warning of config.warnings) process.stderr.write(`warning: ${warning}\n`);
    if (!config.ok) throw new ExitError(CONFIG_ERROR_EXIT_CODE, `gates configuration error, nothing was probed:\n  ${config.errors.join('\n  ')}`);
    const conn = await openTestersDatabase(env, config.value.timeoutMs);
    try {
      const run = await runGates(config.value, conn ? { testers: conn } : {});
      writeGateOutputs(run, args, env);
      process.exitCode = run.exitCode;
    } finally {
      await conn?.close();
    }
  },
};

