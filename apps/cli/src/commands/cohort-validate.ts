import { countFindings, exitCodeFor, formatFindings, formatSummary, validateCohortFile } from '@veza/cohort-validator';
import type { CohortValidation, CohortValidationOptions } from '@veza/cohort-validator';
import { findExistingUserEmails } from '@veza/invites-db';
import type { Argv, CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { ExitError } from '../exit-error.js';
import { cliSettings, loadEnv } from '../env.js';
import { printJson } from '../output.js';

export interface ValidateArgs {
  'check-users': boolean;
  force: boolean;
  'min-rows'?: number;
  'min-creators'?: number;
  'min-listeners'?: number;
  'min-labels'?: number;
}

/** The validation options shared by `cohort validate`, `invites prepare` and `invites send`. */
export function validationOptions<T>(y: Argv<T>) {
  return y
    .option('force', { type: 'boolean', default: false, describe: 'Accept warnings (as FORCE=1); hard errors still block' })
    .option('check-users', { type: 'boolean', default: false, describe: 'Warn about emails that already belong to a user in the database' })
    .option('min-rows', { type: 'number', describe: 'Rows expected at least (default 50)' })
    .option('min-creators', { type: 'number', describe: 'Creators expected at least (default 5)' })
    .option('min-listeners', { type: 'number', describe: 'Listeners expected at least (default 20)' })
    .option('min-labels', { type: 'number', describe: 'Distinct cohort labels expected at least (default 3)' });
}

/** Validates a file as the flags and environment say; --check-users looks emails up in the database. */
export async function validateWithArgs(
  file: string,
  args: ValidateArgs,
  env: NodeJS.ProcessEnv,
  collectRows = false,
): Promise<CohortValidation> {
  for (const flag of ['min-rows', 'min-creators', 'min-listeners', 'min-labels'] as const) {
    const value = args[flag];
    // yargs turns "abc" into NaN: the lib's "thresholds.minRows … got NaN" named neither the flag nor the value
    if (value !== undefined && !(Number.isInteger(value) && value >= 0))
      throw new ExitError(
        1,
        `veza-beta: --${flag} must be a whole number ≥ 0 (got ${Number.isNaN(value) ? 'something that is not a number' : String(value)})`,
      );
  }
  const options: CohortValidationOptions = {
    collectRows,
    thresholds: {
      minRows: args['min-rows'],
      minCreators: args['min-creators'],
      minListeners: args['min-listeners'],
      minLabels: args['min-labels'],
    },
  };
  if (!args['check-users']) return validateCohortFile(file, options);
  return withDatabase(env, (conn) =>
    validateCohortFile(file, { ...options, existingUsers: (emails) => findExistingUserEmails(conn.db, emails) }),
  );
}

export function isForced(args: { force: boolean }, env: NodeJS.ProcessEnv): boolean {
  return args.force || cliSettings(env).FORCE;
}

export const cohortValidateCommand: CommandModule<object, ValidateArgs & { file: string; json: boolean }> = {
  command: 'validate <file>',
  describe: 'Check a cohort CSV before anything is written (0 ok, 1 blocked, 2 warnings)',
  builder: (y) =>
    validationOptions(
      y.positional('file', { type: 'string', demandOption: true, describe: 'The cohort CSV (email,cohort[,sent_by,role,name])' }),
    )
      .option('json', { type: 'boolean', default: false, describe: 'Print one JSON document: summary and findings' })
      .example('$0 cohort validate cohort.csv', 'Summary per cohort label and every finding with its line')
      .example('FORCE=1 $0 cohort validate cohort.csv --check-users', 'Accept warnings; also look for existing users'),
  handler: async (args) => {
    const env = loadEnv();
    const result = await validateWithArgs(args.file, args, env);
    const force = isForced(args, env);
    const exitCode = exitCodeFor(result, { force });
    if (args.json) {
      printJson({
        file: args.file,
        ok: result.ok,
        exitCode,
        forced: force,
        summary: result.value.summary,
        errors: result.errors,
        warnings: result.warnings,
      });
    } else {
      process.stdout.write(`${formatSummary(result.value.summary)}\n`);
      const findings = formatFindings(result, { file: args.file, forced: force });
      if (findings) process.stdout.write(`\n${findings}\n`);
      process.stdout.write(`\n${verdictLine(exitCode, result)}\n`);
    }
    process.exitCode = exitCode;
  },
};

export function verdictLine(exitCode: number, result: CohortValidation): string {
  const { errors, warnings } = countFindings(result); // with the ones past the cap: not only those shown
  if (exitCode === 1) return `BLOCKED: ${errors} error(s) to fix before anything is written.`;
  if (exitCode === 2) return `WARNINGS: ${warnings} warning(s); re-run with --force (or FORCE=1) to accept them.`;
  return warnings ? `OK with ${warnings} warning(s) accepted (--force).` : 'OK: the cohort is ready.';
}
