import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inviteReport, openDatabase, runMigrations } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { formatInviteReport } from './invites-report.js';

function say(text: string): void {
  process.stdout.write(`${text}\n`);
}

export const demoCommand: CommandModule<object, { dir?: string }> = {
  command: 'demo',
  describe: 'Run the whole flow on a throwaway embedded database (no server, no network)',
  builder: (y) =>
    y.option('dir', { type: 'string', describe: 'Work directory (default: a new temp directory)' }).example('$0 demo', 'Watch the whole flow once'),
  handler: async (args) => {
    const dir = args.dir ?? mkdtempSync(join(tmpdir(), 'veza-demo-'));
    say(`veza-beta demo: everything happens in ${dir}, on an embedded database.\n`);
    say('1. Migrate the embedded database');
    const conn = await openDatabase({ dataDir: join(dir, 'db') });
    try {
      const migrated = await runMigrations(conn);
      say(`   applied ${migrated.applied.join(', ') || 'nothing (already migrated)'}\n`);
      say('2. The invite funnel, empty for now');
      say(formatInviteReport(await inviteReport(conn.db)).replace(/^/gm, '   '));
    } finally {
      await conn.close();
    }
  },
};
