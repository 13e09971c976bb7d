import { inviteReport } from '@veza/invites-db';
import type { InviteReport } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { formatTable, percent, printJson } from '../output.js';

export function formatInviteReport(report: InviteReport): string {
  const rows: (string | number)[][] = [['cohort', 'invited', 'sent', 'redeemed', 'expired', 'revoked', 'redemption']];
  for (const c of [...report.cohorts, report.total]) {
    rows.push([c.cohort, c.invited, c.sent, c.redeemed, c.expired, c.revoked, percent(c.redemptionRate)]);
  }
  return formatTable(rows);
}

export const invitesReportCommand: CommandModule<object, { json: boolean }> = {
  command: 'report',
  describe: 'Per-cohort funnel: invited, sent, redeemed, expired, revoked, redemption rate',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' })
      .example('$0 invites report --json', 'The funnel for a script'),
  handler: async (args) => {
    const report = await withDatabase(loadEnv(), (conn) => inviteReport(conn.db));
    if (args.json) return printJson(report);
    process.stdout.write(`${formatInviteReport(report)}\n`);
  },
};
