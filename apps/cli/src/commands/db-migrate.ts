import { runMigrations } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { printJson } from '../output.js';

interface Args {
  json: boolean;
}

export const dbMigrateCommand: CommandModule<object, Args> = {
  command: 'migrate',
  describe: 'Apply migrations/*.sql in name order (idempotent, recorded with checksums)',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' })
      .example('$0 db migrate', 'Migrate the embedded database (.veza/db)')
      .example('DATABASE_URL=postgres://… $0 db migrate', 'Migrate a PostgreSQL database'),
  handler: async (args) => {
    const env = loadEnv();
    const { result, target } = await withDatabase(env, async (conn) => ({ result: await runMigrations(conn), target: conn.target }), {
      requireMigrated: false,
    });
    if (args.json) return printJson({ target, ...result });
    for (const name of result.alreadyApplied) process.stdout.write(`  already applied  ${name}\n`);
    for (const name of result.applied) process.stdout.write(`  applied          ${name}\n`);
    process.stdout.write(`${target}: ${result.applied.length} applied, ${result.alreadyApplied.length} already there.\n`);
  },
};
