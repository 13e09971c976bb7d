import type { CommandModule } from 'yargs';
import { envFlag, loadEnv } from '../env.js';
import { printJson } from '../output.js';
import { dispatchExitCode, dispatchOptions, formatDispatchSummary, runDispatch } from './invites-dispatch.js';
import type { DispatchArgs } from './invites-dispatch.js';
import { formatPrepareResult, prepareOptions, runPrepare } from './invites-prepare.js';
import type { PrepareArgs } from './invites-prepare.js';

/** The seed's send-invitations.sh habit: prepare by default, dispatch as well when SEND=1. */
export const invitesSendCommand: CommandModule<object, PrepareArgs & DispatchArgs> = {
  command: 'send <file>',
  describe: 'Seed-compatible: prepare, and dispatch the folder too when SEND=1',
  builder: (y) =>
    dispatchOptions(prepareOptions(y))
      .example('$0 invites send cohort.csv', 'Step 1: prepare only, review out-<date>/')
      .example('SEND=1 $0 invites send cohort.csv', 'Step 2: prepare (creates nothing twice) and dispatch'),
  handler: async (args) => {
    const env = loadEnv();
    const prepared = await runPrepare(args, env);
    if (!envFlag(env, 'SEND')) {
      if (args.json) printJson({ prepared, dispatched: null });
      else process.stdout.write(`${formatPrepareResult(prepared)}\nSEND is not 1: nothing was sent.\n`);
      process.exitCode = prepared.failed.length > 0 ? 1 : 0;
      return;
    }
    if (!args.json) process.stdout.write(`${formatPrepareResult(prepared)}\n`);
    const dispatched = await runDispatch(prepared.outDir, args, env);
    if (args.json) printJson({ prepared, dispatched });
    else process.stdout.write(`${formatDispatchSummary(dispatched, prepared.outDir)}\n`);
    process.exitCode = prepared.failed.length > 0 ? 1 : dispatchExitCode(dispatched);
  },
};
