import { problemText } from '@veza/invite-rules';
import { resolve } from 'node:path';
import { CONFIG_ERROR_EXIT_CODE, launchSettingsFromEnv, localDay, monitorSettingsFromEnv, runMonitor } from '@veza/gate-probes';
import type { GateRun } from '@veza/gate-probes';
import type { CommandModule } from 'yargs';
import { writeDecisionReport } from '../decision/write-decision-report.js';
import { withCliDataDir } from '../database.js';
import { oneRunDeadlines } from './gates-check.js';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';
import { FileWriteError } from '../prepare/durable-files.js';

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
    y
      .option('out', { type: 'string', describe: 'Folder to write into (default decision-<date>/)' })
      .example('$0 decision report --out /tmp/decision', 'The report for the 18:00 call'),
  handler: async (args) => {
    // The CLI's default database is the embedded one in .veza/db: used when it exists and nothing else is set.
    const env = withCliDataDir(loadEnv());
    const monitor = monitorSettingsFromEnv(env, { once: true });
    const launch = launchSettingsFromEnv(env);
    const problems = [...(monitor.ok ? [] : monitor.problems.map(problemText)), ...(launch.ok ? [] : launch.problems.map(problemText))];
    if (!monitor.ok || !launch.ok)
      throw new ExitError(CONFIG_ERROR_EXIT_CODE, problems.map((p) => `${PROGRAM}: configuration error: ${p}`).join('\n'));
    const say = (line: string) => process.stderr.write(`${PROGRAM}: ${line}\n`);

    let run: GateRun | null = null;
    await runMonitor(oneRunDeadlines(monitor.value, env), { onRun: (step) => void (run = step.run), say, source: 'decision report' });
    if (!run) throw new ExitError(1, `${PROGRAM}: the gates gave no run`);
    const finalRun: GateRun = run;

    const dir = resolve(args.out ?? `decision-${localDay()}`);
    const written = await writeDecisionReport(env, launch.value, finalRun, dir).catch((error: unknown) => {
      // the folder or a file could not be written: named, with the reason (read-only, full, a file in the way)
      if (error instanceof FileWriteError) throw new ExitError(1, `${PROGRAM}: ${error.message}`);
      throw error;
    });
    process.stdout.write(
      `Verdict ${finalRun.verdict}. Wrote ${written.html}, ${written.markdown}${written.png ? `, ${written.png}` : ''}\n`,
    );
    if (!written.png) throw new ExitError(1, `${PROGRAM}: no decision.png: ${written.pngReason}`);
  },
};
