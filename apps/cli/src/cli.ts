import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import type { Argv } from 'yargs';
import { cohortValidateCommand } from './commands/cohort-validate.js';
import { dbAddUserCommand } from './commands/db-add-user.js';
import { dbMigrateCommand } from './commands/db-migrate.js';
import { gatesCheckCommand } from './commands/gates-check.js';
import { demoCommand } from './commands/demo.js';
import { invitesCleanupCommand } from './commands/invites-cleanup.js';
import { invitesDispatchCommand } from './commands/invites-dispatch.js';
import { invitesPrepareCommand } from './commands/invites-prepare.js';
import { invitesReportCommand } from './commands/invites-report.js';
import { invitesRevokeCommand } from './commands/invites-revoke.js';
import { invitesSendCommand } from './commands/invites-send.js';
import { outboxDrainCommand } from './commands/outbox-drain.js';
import { preflightCommand } from './commands/preflight.js';
import { decisionRecordCommand, decisionShowCommand } from './commands/decision-record.js';
import { decisionReportCommand } from './commands/decision-report.js';
import { ExitError } from './exit-error.js';
import { commandStarted } from './early-stop.js';

const COMMAND_LIST = `Commands (run any with --help for its options and an example):
  veza-beta db migrate                      apply migrations/ (0 ok, 1 failed)
  veza-beta db add-user EMAIL               add an inviter (sent_by) to a standalone database
  veza-beta cohort validate FILE            check a cohort CSV (0 ok, 1 blocked, 2 warnings)
  veza-beta invites prepare FILE            create invites, render one .eml each into out-<date>/
  veza-beta invites dispatch DIR            send the rendered, not-yet-sent emails
  veza-beta invites send FILE               prepare, and dispatch too when SEND=1
  veza-beta invites report|revoke|cleanup   funnel per cohort, revoke a code or email, purge expired
  veza-beta gates check                     the six acceptance gates (0 GO, 1 NO-GO, 2 inconclusive, 3 config)
  veza-beta outbox drain                    send the queued welcome emails (0 all sent, 1 some failed)
  veza-beta preflight [--phase P]           every automatable checklist item of a phase (t-72h, d-day, hour-1, every-4h, decision)
  veza-beta decision report|record|show     the decision call: report (HTML, PNG, Markdown), record GO/NO-GO, history
  veza-beta demo                            the whole flow on a throwaway embedded database
  veza-beta completion                      print a bash/zsh completion script (veza-beta completion >> ~/.bashrc)`;

/** The version of the CLI package (apps/cli/package.json). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/**
 * `--version`: the package's version, and the commit of the checkout it runs from (`git log -1`): every
 * version so far says 0.1.0, and teammates on different checkouts could not tell which one a machine
 * runs (a database migrated by a newer one refuses an older one's sends). Without git, the version alone.
 */
export function versionLine(): string {
  try {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const commit = execFileSync('git', ['log', '-1', '--format=%h %cs'], {
      cwd: here,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    }).trim();
    return /^[0-9a-f]{7,} \d{4}-\d{2}-\d{2}$/.test(commit) ? `${VERSION} (commit ${commit})` : VERSION;
  } catch {
    return VERSION;
  }
}

function fail(message: string | undefined, error: Error | undefined): never {
  if (error) throw error;
  throw new ExitError(1, `${message ?? 'invalid command line'}\nRun 'veza-beta --help' for usage.`);
}

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('veza-beta')
    .usage("Usage: $0 <command> [options]\n\nRuns Veza's invite-only beta: cohort, invites, emails, gates.")
    .command('db', 'Database: migrate, add-user', (y) =>
      y.command(dbMigrateCommand).command(dbAddUserCommand).demandCommand(1, 'Name a db command: migrate, add-user').fail(fail),
    )
    .command('cohort', 'Cohort CSV: validate', (y) =>
      y.command(cohortValidateCommand).demandCommand(1, 'Name a cohort command: validate').fail(fail),
    )
    .command('invites', 'Invitations: prepare, dispatch, send, report, revoke, cleanup', (y) =>
      y
        .command(invitesPrepareCommand)
        .command(invitesDispatchCommand)
        .command(invitesSendCommand)
        .command(invitesReportCommand)
        .command(invitesRevokeCommand)
        .command(invitesCleanupCommand)
        .demandCommand(1, 'Name an invites command')
        .fail(fail),
    )
    .command('gates', 'Acceptance gates: check', (y) =>
      y.command(gatesCheckCommand).demandCommand(1, 'Name a gates command: check').fail(fail),
    )
    .command('outbox', 'Welcome emails queued by redemptions: drain', (y) =>
      y.command(outboxDrainCommand).demandCommand(1, 'Name an outbox command: drain').fail(fail),
    )
    .command(preflightCommand)
    .command('decision', 'Decision call: report, record, show', (y) =>
      y
        .command(decisionReportCommand)
        .command(decisionRecordCommand)
        .command(decisionShowCommand)
        .demandCommand(1, 'Name a decision command: report, record, show')
        .fail(fail),
    )
    .command(demoCommand)
    .middleware(() => commandStarted())
    .completion('completion', 'Print a bash/zsh completion script (append it to ~/.bashrc or ~/.zshrc)')
    .epilog(COMMAND_LIST)
    .demandCommand(1, 'Name a command.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(argv.includes('--version') ? versionLine() : VERSION)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail(fail);
}
