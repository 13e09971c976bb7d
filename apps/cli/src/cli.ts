import yargs from 'yargs';
import type { Argv } from 'yargs';
import { ExitError } from './exit-error.js';

/** A command of DESIGN.md that has not landed yet: it says so and fails. */
function notBuilt(name: string) {
  return () => {
    throw new ExitError(1, `veza-beta ${name}: not built yet in this version.`);
  };
}

export function buildCli(argv: string[]): Argv {
  return yargs(argv)
    .scriptName('veza-beta')
    .usage('$0 <command> [options]\n\nRuns Veza\'s invite-only beta: cohort, invites, emails, gates.')
    .command('db <command>', 'Database tasks', (y) =>
      y.command('migrate', 'Apply migrations/ (idempotent, recorded)', {}, notBuilt('db migrate')).demandCommand(1),
    )
    .command('cohort <command>', 'Cohort CSV tasks', (y) =>
      y.command('validate <file>', 'Check a cohort CSV before anything is written', {}, notBuilt('cohort validate')).demandCommand(1),
    )
    .command('invites <command>', 'Invitation tasks', (y) =>
      y
        .command('prepare <file>', 'Create invites and render one .eml each', {}, notBuilt('invites prepare'))
        .command('dispatch <dir>', 'Send the rendered, not-yet-sent emails', {}, notBuilt('invites dispatch'))
        .command('send <file>', 'Prepare, and dispatch too when SEND=1', {}, notBuilt('invites send'))
        .command('report', 'Per-cohort funnel', {}, notBuilt('invites report'))
        .command('revoke <target>', 'Revoke a code or every open invite of an email', {}, notBuilt('invites revoke'))
        .command('cleanup', 'Purge expired unused invites', {}, notBuilt('invites cleanup'))
        .demandCommand(1),
    )
    .command('gates <command>', 'Acceptance gates', (y) =>
      y.command('check', 'Run the six acceptance gates once (LOOP=1 to repeat)', {}, notBuilt('gates check')).demandCommand(1),
    )
    .command('preflight', 'Every automatable pre-flight checklist item', {}, notBuilt('preflight'))
    .command('demo', 'Run the whole flow on the embedded database', {}, notBuilt('demo'))
    .demandCommand(1, 'Name a command; see --help.')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((message, error) => {
      if (error) throw error;
      throw new ExitError(1, `${message}\nRun 'veza-beta --help' for usage.`);
    });
}
