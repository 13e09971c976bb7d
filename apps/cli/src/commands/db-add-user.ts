import { emailProblem } from '@veza/invite-rules';
import { createUser, findExistingUserEmails } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';

/**
 * sent_by must name a user. On Veza's own database the users exist; on a
 * standalone one (embedded or a fresh PostgreSQL) the inviters are added here.
 */
export const dbAddUserCommand: CommandModule<object, { email: string }> = {
  command: 'add-user <email>',
  describe: 'Add an inviter to the users table of a standalone database (for sent_by)',
  builder: (y) =>
    y
      .positional('email', { type: 'string', demandOption: true, describe: "The inviter's email address" })
      .example('$0 db add-user ops@veza.fr', 'Rows with sent_by=ops@veza.fr can now be created'),
  handler: async (args) => {
    const problem = emailProblem(args.email.trim());
    if (problem) throw new ExitError(1, `email ${problem.reason}`);
    const email = args.email.trim();
    const { id, existed } = await withDatabase(loadEnv(), async (conn) => {
      const existed = (await findExistingUserEmails(conn.db, [email])).size > 0;
      return { id: await createUser(conn.db, email), existed };
    });
    // Asking for a user that is there is not an error (exit 0), but it is not "added" either.
    process.stdout.write(existed ? `user ${email} already exists (${id}); nothing added\n` : `added user ${email} (${id})\n`);
  },
};
