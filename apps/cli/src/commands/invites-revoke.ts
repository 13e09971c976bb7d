import { revokeInvites } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';
import { printJson } from '../output.js';

interface Args {
  target: string;
  json: boolean;
}

export const invitesRevokeCommand: CommandModule<object, Args> = {
  command: 'revoke <target>',
  describe: 'Revoke one code, or every live unused invite of an email address',
  builder: (y) =>
    y
      .positional('target', { type: 'string', demandOption: true, describe: 'An invite code (XXXX-XXXX-XXXX-XXXX) or an email address' })
      .option('json', { type: 'boolean', default: false })
      .example('$0 invites revoke ana@example.org', 'Revoke the open invite of this person')
      .example('$0 invites revoke 7K3M-Q9ZD-1XWN-4T8R', 'Revoke one code'),
  handler: async (args) => {
    const target = args.target.includes('@') ? { email: args.target } : { code: args.target };
    const result = await withDatabase(loadEnv(), (conn) => revokeInvites(conn.db, target));
    if (args.json) printJson(result);
    else {
      process.stdout.write(`revoked ${result.revoked.length} invite(s)${result.revoked.length ? `: ${result.revoked.join(', ')}` : ''}\n`);
      for (const u of result.untouched) process.stdout.write(`  left ${u.id}: ${u.reason}\n`);
      for (const id of result.sending)
        process.stdout.write(
          `  sending ${id}: a dispatch had claimed its invitation email and not recorded it as sent: if it was already on its way it may still arrive, with a code that no longer works (the dispatch's summary says so: 'revoked … sent, but revoked while its email was being sent')\n`,
        );
    }
    if (result.revoked.length === 0) throw new ExitError(1, result.untouched.length ? '' : 'no invite matches');
  },
};
