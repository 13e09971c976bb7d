import { openDatabase, openOptionsFromEnv } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { CLI_SETTINGS_SCHEMA, cliSettings, loadEnv } from '../env.js';
import { databaseDeadlines, embeddedNotCreated } from '../database.js';
import { printJson } from '../output.js';
import { preflightExitCode, renderChecklistMarkdown, renderChecklistText } from '../preflight/checklist.js';
import type { ChecklistItem } from '../preflight/checklist.js';
import { manual } from '../preflight/check-helpers.js';
import type { Check } from '../preflight/check-helpers.js';
import { launchSettingsFromEnv } from '@veza/gate-probes';
import { blankTransportSettingError } from '@veza/invite-mailer';
import { parseSettings, SettingsInvalidError } from '@veza/settings';
import {
  PHASES,
  communicationsItems,
  decisionRecordedItem,
  dispatchItem,
  everyFourHoursItems,
  hourOneItems,
  lastHourItems,
  monitorItem,
  decisionReportItem,
} from '../preflight/launch-phases.js';
import type { Phase } from '../preflight/launch-phases.js';
import {
  cohortChecks,
  databaseChecks,
  emailChecks,
  gateChecks,
  manualChecks,
  redemptionPathChecks,
} from '../preflight/preflight-checks.js';
import type { PreflightInput } from '../preflight/preflight-checks.js';

interface Args {
  phase: Phase;
  'report-dir'?: string;
  cohort?: string;
  'api-url'?: string;
  'send-test-to'?: string;
  'expect-empty': boolean;
  json: boolean;
  markdown: boolean;
}

const inSection = (section: string, checks: Check[]): ChecklistItem[] => checks.map((c) => ({ section, ...c }));

/** Every automatable item of one phase of the checklist, in the checklist's order. */
export async function runPreflight(input: PreflightInput, phase: Phase = 't-72h'): Promise<ChecklistItem[]> {
  const { conn, dbError, launch } = input;
  switch (phase) {
    case 't-72h':
      return [
        ...inSection('Database', await databaseChecks(input)),
        ...inSection('Cohort CSV', await cohortChecks(input)),
        ...inSection('Email infrastructure', await emailChecks(input)),
        ...inSection('Backend invite-redemption path', await redemptionPathChecks(input)),
        ...inSection('Acceptance-gate monitoring', [
          ...(await gateChecks(input, { beforeSend: true })),
          await monitorItem(
            conn,
            dbError,
            launch,
            'schedule the monitor: LOOP=1 npm run monitor in tmux, cron, or docs/ci/gates-monitor.yml',
          ),
        ]),
        ...inSection('Communications', await communicationsItems(launch)),
        ...inSection('Manual (a person ticks these)', manualChecks()),
      ];
    case 'd-day':
      return [
        ...inSection('Last hour before send', [...(await gateChecks(input, { beforeSend: true })), ...(await lastHourItems(launch))]),
        ...inSection('Send', [
          ...(await cohortChecks(input)).slice(0, 1),
          await dispatchItem(conn, dbError),
          manual('Dry run reviewed (veza-beta invites prepare, out-<date>/ preview)', 'a person reads the emails before the send'),
          manual(
            'First three invitees received the email within 5 min (gmail / proton / custom domain)',
            'only their inboxes can tell; spam placement differs per provider',
          ),
        ]),
      ];
    case 'hour-1':
      return inSection('Hour 1 post-send', await hourOneItems(conn, dbError, launch));
    case 'every-4h':
      return inSection('Every 4 h during the beta window', await everyFourHoursItems(conn, dbError, launch));
    case 'decision': {
      const gates = await gateChecks(input);
      const now = new Date(); // one "today" for the report and the decision, after the gates' few seconds
      return inSection('Decision call', [
        ...gates,
        await decisionReportItem(input.reportDir, conn, now),
        await decisionRecordedItem(conn, dbError, now),
        manual('Tech lead, product lead, on-call engineer all on the call', 'people'),
        manual('Each acceptance-gate row walked through verbally', 'the report shows the evidence; ⚪ rows need a spoken answer'),
      ]);
    }
  }
}

const DEFAULT_PHASE: Phase = 't-72h';

export const preflightCommand: CommandModule<object, Args> = {
  command: 'preflight',
  describe: 'Run every automatable item of the pre-flight checklist (0 only when all are green)',
  builder: (y) =>
    y
      .option('phase', {
        choices: PHASES,
        default: DEFAULT_PHASE,
        describe: 'Which part of the checklist: t-72h, d-day (last hour and send), hour-1, every-4h, decision',
      })
      .option('report-dir', {
        type: 'string',
        describe: "decision phase: the folder of today's decision report (default decision-<date>/)",
      })
      .option('cohort', { type: 'string', describe: 'The cohort CSV to validate' })
      .option('api-url', { type: 'string', describe: 'Base URL of the redemption-api to exercise (default: REDEMPTION_API_URL)' })
      .option('send-test-to', { type: 'string', describe: "Send a test invitation to this address (the operator's own)" })
      .option('expect-empty', {
        type: 'boolean',
        default: false,
        describe: 'Fail when beta_invites is not empty (T-72h on a fresh database)',
      })
      .option('json', { type: 'boolean', default: false })
      .option('markdown', { type: 'boolean', default: false, describe: 'Print the checklist as Markdown (for the launch notes)' })
      .example('$0 preflight --phase d-day --cohort cohort.csv', 'The last hour before the send')
      .example(
        '$0 preflight --cohort cohort.csv --api-url https://staging.veza.fr/api --send-test-to ops@veza.fr',
        'The T-72h checks on staging',
      ),
  handler: async (args) => {
    const env = loadEnv();
    // A bad setting: every problem listed at once, the launch-day ones and the CLI's (SEND_TIMEOUT, …), exit 3
    // (runCli prints them as every settings error). They came in rounds: fix one, run, meet the next.
    // A blank SMTP_URL or SEND_CMD is one of them where the transport is read (t-72h), as in every other command
    // that reads it (it was a failed item, exit 1).
    const launchResult = launchSettingsFromEnv(env);
    const cliResult = parseSettings(CLI_SETTINGS_SCHEMA, env, { showValues: true });
    const blank = args.phase === 't-72h' ? blankTransportSettingError(env) : null;
    if (!launchResult.ok || !cliResult.ok || blank)
      throw new SettingsInvalidError([
        ...(launchResult.ok ? [] : launchResult.problems),
        ...(cliResult.ok ? [] : cliResult.problems),
        ...(blank ? [{ field: blank.variable, message: blank.problem }] : []),
      ]);
    const launch = launchResult.value;
    let conn: Connection | null = null;
    let dbError: string | null = null;
    const open = openOptionsFromEnv(env);
    // A check only reads: it never creates an embedded database (nor .veza/) that is not there.
    const missing = embeddedNotCreated(open);
    if (missing) {
      dbError = `embedded database ${missing.dataDir} does not exist (${missing.above ?? "set DATABASE_URL, or run 'veza-beta db migrate' to create it"})`;
    } else {
      try {
        conn = await openDatabase({ ...open, ...databaseDeadlines(env) });
      } catch (error) {
        dbError = (error as Error).message;
      }
    }
    try {
      const items = await runPreflight(
        {
          env,
          conn,
          dbError,
          cohortFile: args.cohort,
          apiUrl: args['api-url'] ?? cliSettings(env).REDEMPTION_API_URL,
          sendTestTo: args['send-test-to'],
          expectEmpty: args['expect-empty'],
          launch,
          reportDir: args['report-dir'],
        },
        args.phase,
      );
      const exitCode = preflightExitCode(items);
      const heading = args.phase === 't-72h' ? 'Pre-flight checklist' : `Launch-day checklist: ${args.phase}`;
      if (args.json) printJson({ phase: args.phase, exitCode, items });
      else process.stdout.write(`${args.markdown ? renderChecklistMarkdown(items, heading) : renderChecklistText(items, heading)}\n`);
      process.exitCode = exitCode;
    } finally {
      await conn?.close();
    }
  },
};
