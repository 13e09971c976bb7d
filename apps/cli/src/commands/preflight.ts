import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_DATA_DIR, openDatabase, openOptionsFromEnv } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { loadEnv } from '../env.js';
import { printJson } from '../output.js';
import { preflightExitCode, renderChecklistMarkdown, renderChecklistText } from '../preflight/checklist.js';
import type { ChecklistItem } from '../preflight/checklist.js';
import type { Check } from '../preflight/check-helpers.js';
import { cohortChecks, databaseChecks, emailChecks, gateChecks, manualChecks, redemptionPathChecks } from '../preflight/preflight-checks.js';
import type { PreflightInput } from '../preflight/preflight-checks.js';

interface Args {
  cohort?: string;
  'api-url'?: string;
  'send-test-to'?: string;
  'expect-empty': boolean;
  json: boolean;
  markdown: boolean;
}

const inSection = (section: string, checks: Check[]): ChecklistItem[] => checks.map((c) => ({ section, ...c }));

/** Every automatable item of the pre-flight checklist, in the checklist's order. */
export async function runPreflight(input: PreflightInput): Promise<ChecklistItem[]> {
  return [
    ...inSection('Database', await databaseChecks(input)),
    ...inSection('Cohort CSV', await cohortChecks(input)),
    ...inSection('Email infrastructure', await emailChecks(input)),
    ...inSection('Backend invite-redemption path', await redemptionPathChecks(input)),
    ...inSection('Acceptance-gate monitoring', await gateChecks(input)),
    ...inSection('Manual (a person ticks these)', manualChecks()),
  ];
}

export const preflightCommand: CommandModule<object, Args> = {
  command: 'preflight',
  describe: 'Run every automatable item of the pre-flight checklist (0 only when all are green)',
  builder: (y) =>
    y
      .option('cohort', { type: 'string', describe: 'The cohort CSV to validate' })
      .option('api-url', { type: 'string', describe: 'Base URL of the redemption-api to exercise (default: REDEMPTION_API_URL)' })
      .option('send-test-to', { type: 'string', describe: "Send a test invitation to this address (the operator's own)" })
      .option('expect-empty', { type: 'boolean', default: false, describe: 'Fail when beta_invites is not empty (T-72h on a fresh database)' })
      .option('json', { type: 'boolean', default: false })
      .option('markdown', { type: 'boolean', default: false, describe: 'Print the checklist as Markdown (for the launch notes)' })
      .example('$0 preflight --cohort cohort.csv --api-url https://staging.veza.fr/api --send-test-to ops@veza.fr', 'The T-72h checks on staging'),
  handler: async (args) => {
    const env = loadEnv();
    let conn: Connection | null = null;
    let dbError: string | null = null;
    const open = openOptionsFromEnv(env);
    const dataDir = open.dataDir ?? DEFAULT_DATA_DIR;
    // A check only reads: it never creates an embedded database (nor .veza/) that is not there.
    if (!open.databaseUrl && !existsSync(dataDir)) dbError = `embedded database ${resolve(dataDir)} does not exist (set DATABASE_URL, or run 'veza-beta db migrate' to create it)`;
    else {
      try {
        conn = await openDatabase(open);
      } catch (error) {
        dbError = (error as Error).message;
      }
    }
    try {
      const items = await runPreflight({
        env,
        conn,
        dbError,
        cohortFile: args.cohort,
        apiUrl: args['api-url'] ?? env['REDEMPTION_API_URL'],
        sendTestTo: args['send-test-to'],
        expectEmpty: args['expect-empty'],
      });
      const exitCode = preflightExitCode(items);
      if (args.json) printJson({ exitCode, items });
      else process.stdout.write(`${args.markdown ? renderChecklistMarkdown(items) : renderChecklistText(items)}\n`);
      process.exitCode = exitCode;
    } finally {
      await conn?.close();
    }
  },
};
