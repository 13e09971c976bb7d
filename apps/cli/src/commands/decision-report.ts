import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { screenshotHtmlFile } from '@veza/email-templates';
import { CONFIG_ERROR_EXIT_CODE, fetchHighIssues, launchSettingsFromEnv, monitorSettingsFromEnv, renderDecisionHtml, renderDecisionMarkdown, runMonitor } from '@veza/gate-probes';
import type { DecisionReportInput, GateRun } from '@veza/gate-probes';
import { DEFAULT_DATA_DIR, dispatchFacts, failedDispatches, hasGateRunsTable, inviteReport, listDecisions, listGateRuns } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';

const PROGRAM = 'veza-beta decision report';

/**
 * The decision call's report: the gates once more (stored like any monitor
 * run), then decision.html (self-contained), decision.png (headless Chromium)
 * and decision.md in one folder. Exit 0 when all three are written.
 */
export const decisionReportCommand: CommandModule<object, { out?: string }> = {
  command: 'report',
  describe: 'Run the gates once more and write decision.html, decision.png and decision.md',
  builder: (y) =>
    y.option('out', { type: 'string', describe: 'Folder to write into (default decision-<date>/)' }).example('$0 decision report --out /tmp/decision', 'The report for the 18:00 call'),
  handler: async (args) => {
    const env = { ...loadEnv() };
    if (!env['DATABASE_URL'] && !env['VEZA_DATA_DIR'] && existsSync(DEFAULT_DATA_DIR)) env['VEZA_DATA_DIR'] = resolve(DEFAULT_DATA_DIR, '..');
    const monitor = monitorSettingsFromEnv(env, { once: true });
    const launch = launchSettingsFromEnv(env);
    const problems = [...(monitor.ok ? [] : monitor.errors), ...(launch.ok ? [] : launch.problems)];
    if (!monitor.ok || !launch.ok) throw new ExitError(CONFIG_ERROR_EXIT_CODE, problems.map((p) => `${PROGRAM}: configuration error: ${p}`).join('\n'));
    const say = (line: string) => process.stderr.write(`${PROGRAM}: ${line}\n`);

    let run: GateRun | null = null;
    await runMonitor(monitor.value, { onRun: (step) => void (run = step.run), say });
    if (!run) throw new ExitError(1, `${PROGRAM}: the gates gave no run`);
    const finalRun: GateRun = run;

    const window = launch.value.window;
    const [facts, high] = await Promise.all([
      withDatabase(env, async (conn) => {
        const stored = (await hasGateRunsTable(conn.db)) ? await listGateRuns<GateRun>(conn.db, { limit: 1_000 }) : [];
        return {
          history: stored.filter((r) => !window || (r.startedAt >= window.start && r.startedAt <= window.end)).map((r) => ({ startedAt: r.run.startedAt, gates: r.run.gates })),
          funnel: (await inviteReport(conn.db)).cohorts,
          dispatch: await dispatchFacts(conn.db),
          failures: await failedDispatches(conn.db),
          decisions: await listDecisions(conn.db).catch(() => []),
        };
      }),
      fetchHighIssues(launch.value),
    ]);
    // the run made now is part of the history even when it could not be stored
    const history = facts.history.some((h) => h.startedAt === finalRun.startedAt) ? facts.history : [...facts.history, { startedAt: finalRun.startedAt, gates: finalRun.gates }];
    const input: DecisionReportInput = { generatedAt: new Date(), run: finalRun, history, funnel: facts.funnel, dispatch: facts.dispatch, failures: facts.failures, highIssues: high, decisions: facts.decisions };

    const dir = resolve(args.out ?? `decision-${input.generatedAt.toISOString().slice(0, 10)}`);
    await mkdir(dir, { recursive: true });
    const html = join(dir, 'decision.html');
    await writeFile(html, renderDecisionHtml(input));
    await writeFile(join(dir, 'decision.md'), renderDecisionMarkdown(input));
    const png = join(dir, 'decision.png');
    const shot = await screenshotHtmlFile(html, png, { width: 1160 });
    process.stdout.write(`Verdict ${finalRun.verdict}. Wrote ${html}, ${join(dir, 'decision.md')}${shot.ok ? `, ${png}` : ''}\n`);
    if (!shot.ok) throw new ExitError(1, `${PROGRAM}: no decision.png: ${shot.reason}`);
  },
};
