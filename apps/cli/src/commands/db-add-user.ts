import { emailProblem } from '@veza/invite-rules';
import { createUser } from '@veza/invites-db';
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
    y.positional('email', { type: 'string', demandOption: true, describe: "The inviter's email address" }).example('$0 db add-user ops@veza.fr', 'Rows with sent_by=ops@veza.fr can now be created'),
  handler: async (args) => {
    const problem = emailProblem(args.email.trim());
    if (problem) throw new ExitError(1, `email ${problem.reason}`);
    const id = await withDatabase(loadEnv(), (conn) => createUser(conn.db, args.email.trim()));
    process.stdout.write(`added user ${args.email.trim()} (${id})\n`);
  },
};
