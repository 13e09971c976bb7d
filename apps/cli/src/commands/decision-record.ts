import { appendFileSync } from 'node:fs';
import { MONITOR_DEFAULTS } from '@veza/gate-probes';
import { latestGateRun, listDecisions, recordDecision } from '@veza/invites-db';
import type { StoredDecision } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { cliSettings, loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';
import { describeFsError } from '../prepare/durable-files.js';
import { formatTable, printJson } from '../output.js';

interface RecordArgs {
  decision: string;
  note?: string;
  by?: string[];
}

/** One decision as the log file's Markdown line. */
export function decisionLogLine(d: StoredDecision): string {
  const run = d.gateRunId === null ? 'no stored gate run' : `gate run #${d.gateRunId} (${d.gateVerdict ?? '?'})`;
  return `- ${d.decidedAt.toISOString()} **${d.decision}**${d.by.length ? ` by ${d.by.join(', ')}` : ''}, based on ${run}${d.note ? `: ${d.note.replace(/\s*\n\s*/g, ' ')}` : ''}\n`;
}

/** CHECK_INTERVAL as the monitor reads it (a bad value is the monitor's to refuse): the age past which a GO's gate run is stale. */
function checkIntervalSeconds(env: NodeJS.ProcessEnv): number {
  const raw = Number(env['CHECK_INTERVAL']);
  return Number.isFinite(raw) && raw >= 1 && raw <= 86_400 ? raw : MONITOR_DEFAULTS.checkIntervalSeconds;
}

function describeAge(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 2 * 3600) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

export const decisionRecordCommand: CommandModule<object, RecordArgs> = {
  command: 'record <decision>',
  describe: 'Store the GO / NO-GO of the decision call with the newest stored gate run (NO-GO needs --note)',
  builder: (y) =>
    y
      .positional('decision', { type: 'string', choices: ['GO', 'NO-GO'], demandOption: true })
      .option('note', { type: 'string', describe: 'Why; required for NO-GO (what must be fixed)' })
      .option('by', { type: 'string', array: true, describe: 'Who decided (repeat: --by "Tech lead" --by "Product lead")' })
      .example('$0 decision record GO --note "all gates green" --by Ana --by Marc', 'Record a GO'),
  handler: async (args) => {
    const decision = args.decision as 'GO' | 'NO-GO';
    if (decision === 'NO-GO' && !args.note?.trim())
      throw new ExitError(1, 'veza-beta decision record: a NO-GO needs --note "what must be fixed before the next call"');
    const env = loadEnv();
    const intervalS = checkIntervalSeconds(env);
    const { stored, linkedFinishedAt } = await withDatabase(env, async (conn) => {
      const newest = await latestGateRun(conn.db);
      const stored = await recordDecision(conn.db, { decision, note: args.note ?? null, by: args.by ?? [] });
      return { stored, linkedFinishedAt: newest && newest.id === stored.gateRunId ? newest.finishedAt : null };
    });
    const line = decisionLogLine(stored);
    const log = cliSettings(env).DECISION_LOG;
    process.stdout.write(`Recorded ${line.slice(2)}`);
    // The call decides, the tool records: but a GO that no stored evidence backs is said out loud.
    if (decision === 'GO' && stored.gateVerdict !== 'GO')
      process.stderr.write(
        `warning: this GO is ${stored.gateRunId === null ? 'based on no stored gate run' : `against gate run #${stored.gateRunId}, whose verdict is ${stored.gateVerdict ?? 'unknown'}`}; the decision report and the gates show why (veza-beta decision report, veza-beta gates check)\n`,
      );
    const staleS = linkedFinishedAt ? Math.round((Date.now() - linkedFinishedAt.getTime()) / 1000) : 0;
    if (decision === 'GO' && stored.gateVerdict === 'GO' && staleS > 2 * intervalS)
      process.stderr.write(
        `warning: this GO rests on gate run #${stored.gateRunId}, which finished ${describeAge(staleS)} ago (the monitor runs every CHECK_INTERVAL, ${intervalS} s): the gates may have changed since; veza-beta gates check shows them now\n`,
      );
    if (!log) return;
    try {
      // a new log 0644 whatever the umask: the team reads it, nobody else writes it (0666 under umask 000)
      appendFileSync(log, line, { mode: 0o644 });
    } catch (error) {
      // The decision is stored: say so, so that nobody records it twice to get the log line.
      throw new ExitError(
        1,
        `The decision is recorded in the database ('veza-beta decision show'), but DECISION_LOG ${describeFsError(error, log, 'append to')}; do not record it again: add the line above to the log by hand.`,
      );
    }
    process.stdout.write(`Appended to ${log}.\n`);
  },
};

export const decisionShowCommand: CommandModule<object, { json: boolean }> = {
  command: 'show',
  describe: 'The decisions recorded, newest first',
  builder: (y) => y.option('json', { type: 'boolean', default: false }),
  handler: async (args) => {
    const decisions = await withDatabase(loadEnv(), (conn) => listDecisions(conn.db));
    if (args.json) return printJson(decisions);
    if (decisions.length === 0) return void process.stdout.write('No decision recorded yet.\n');
    const rows: (string | number)[][] = [['decided at (UTC)', 'decision', 'by', 'gate run', 'note']];
    for (const d of decisions)
      rows.push([
        d.decidedAt.toISOString().slice(0, 16).replace('T', ' '),
        d.decision,
        d.by.join(', '),
        d.gateRunId === null ? '—' : `#${d.gateRunId} ${d.gateVerdict ?? ''}`.trim(),
        d.note ?? '',
      ]);
    process.stdout.write(`${formatTable(rows)}\n`);
  },
};
