import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { runMonitor } from '@veza/gate-probes';
import { DEFAULT_DATA_DIR } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { loadEnv } from '../env.js';

interface Args {
  json: boolean;
  junit?: string;
  markdown?: string;
  once: boolean;
}

/**
 * The monitor worker's job from the CLI: the six gates once, or in a loop with
 * LOOP=1 (CHECK_INTERVAL, UNKNOWN_LIMIT, GATES_WEBHOOK_URL), the same library
 * call as `npm run monitor`.
 */
export const gatesCheckCommand: CommandModule<object, Args> = {
  command: 'check',
  describe: 'Run the six acceptance gates: 0 GO, 1 NO-GO, 2 inconclusive, 3 configuration error',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the run as JSON instead of the table' })
      .option('junit', { type: 'string', describe: 'Also write JUnit XML to this file (one test case per gate)' })
      .option('markdown', { type: 'string', describe: 'Markdown to this file; with no value, to stdout instead of the table' })
      .option('once', { type: 'boolean', default: false, describe: 'One run even when LOOP=1' })
      .example('TESTERS_TARGET=30 PROM_URL=https://prom.veza.fr $0 gates check', 'The configured gates; the others are ⚪ not configured')
      .example('LOOP=1 CHECK_INTERVAL=300 $0 gates check', 'Poll every 5 minutes until Ctrl-C (verdicts stored, ⚪ escalates)')
      .example('$0 gates check --junit gates.xml --markdown summary.md', 'For CI'),
  handler: async (args) => {
    const env = { ...loadEnv() };
    // The CLI's default database is the embedded one in .veza/db: use it when it exists.
    if (!env['DATABASE_URL'] && !env['VEZA_DATA_DIR'] && existsSync(DEFAULT_DATA_DIR)) env['VEZA_DATA_DIR'] = resolve(DEFAULT_DATA_DIR, '..');
    const argv = [
      ...(args.json ? ['--json'] : []),
      ...(args.junit ? ['--junit', args.junit] : []),
      ...(args.markdown !== undefined ? (args.markdown ? ['--markdown', args.markdown] : ['--markdown']) : []),
      ...(args.once ? ['--once'] : []),
    ];
    const controller = new AbortController();
    const stop = () => controller.abort();
    process.once('SIGINT', stop).once('SIGTERM', stop);
    try {
      process.exitCode = await runMonitor({ argv, env, stdout: process.stdout, stderr: process.stderr, signal: controller.signal, programName: 'veza-beta gates check' });
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
    }
  },
};
