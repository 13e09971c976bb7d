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

/** What a `left … already revoked` line adds about the invite's email. */
const LEFT_EMAIL = {
  sent: 'its invitation email was sent all the same (it was on its way when revoked, or sent before): the person has it, with a code that no longer works',
  'being sent':
    'its invitation email is still claimed by a dispatch (being sent, or its outcome unknown after a crash): it may still arrive',
} as const;

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
      for (const u of result.untouched) process.stdout.write(`  left ${u.id}: ${u.reason}${u.email ? `; ${LEFT_EMAIL[u.email]}` : ''}\n`);
      for (const id of result.sending)
        process.stdout.write(
          `  sending ${id}: its invitation email was being sent (a dispatch had claimed it and not recorded it as sent): it may still arrive, with a code that no longer works; run this command again once the dispatch has ended to know (the dispatch's summary says it too: 'revoked … sent, but revoked while its email was being sent')\n`,
        );
      for (const id of result.sent)
        process.stdout.write(`  sent ${id}: its invitation email had been sent already: the person has it, and its code no longer works\n`);
    }
    if (result.revoked.length === 0) throw new ExitError(1, result.untouched.length ? '' : 'no invite matches');
    // the code is dead, but an email may still go out: not the "stopped" the operator asked for, and not known yet
    if (result.sending.length)
      throw new ExitError(
        1,
        `revoked, but ${result.sending.length} invitation email(s) were being sent and may still arrive (with a code that no longer works): see the 'sending' line(s)`,
      );
  },
};
