import { cleanupExpiredInvites } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { printJson } from '../output.js';

interface Args {
  'dry-run': boolean;
  json: boolean;
}

export const invitesCleanupCommand: CommandModule<object, Args> = {
  command: 'cleanup',
  describe: 'Delete expired, unused invites (see what would go with --dry-run)',
  builder: (y) =>
    y
      .option('dry-run', { type: 'boolean', default: false, describe: 'Report what would be deleted, delete nothing' })
      .option('json', { type: 'boolean', default: false })
      .example('$0 invites cleanup --dry-run', 'Count the expired invites per cohort'),
  handler: async (args) => {
    const result = await withDatabase(loadEnv(), (conn) => cleanupExpiredInvites(conn.db, { dryRun: args['dry-run'] }));
    // as revoke: the code is gone, but an email a dispatcher had claimed is not known stopped (exit 1)
    if (result.sending > 0 && !result.dryRun) process.exitCode = 1;
    if (args.json) return printJson(result);
    const verb = result.dryRun ? 'would delete' : 'deleted';
    process.stdout.write(`${verb} ${result.count} expired unused invite(s)\n`);
    for (const c of result.byCohort) process.stdout.write(`  ${c.cohort}: ${c.count}\n`);
    if (result.sending > 0)
      process.stdout.write(
        // a dry run deletes nothing: the code still works until the invite is deleted
        `  ${result.sending} of them claimed by a dispatch and not recorded as sent (being sent, or its outcome unknown after a crash): such an email may still arrive, ${result.dryRun ? 'and after the delete its code would match no invite' : 'with a code no invite has any more'}\n`,
      );
    if (result.leftOut)
      process.stdout.write(
        `${result.dryRun ? 'would keep' : 'kept'} ${result.leftOut} address(es) as left out (all their invites revoked): prepare still skips them (a digest is kept, not the address; --reinvite-revoked invites them again)\n`,
      );
    if (result.sending > 0 && !result.dryRun)
      process.stderr.write(
        `deleted, but ${result.sending} invitation email(s) were being sent and may still arrive (with a code that no longer exists); the dispatch's summary and dispatch.log say whether they went out\n`,
      );
  },
};
