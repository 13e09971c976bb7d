import { ExitError } from '../exit-error.js';
import { createFolder, folderOpenToOthers, replaceFiles } from '../prepare/durable-files.js';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { screenshotHtmlFile } from '@veza/email-templates';
import { fetchHighIssues, renderDecisionHtml, renderDecisionMarkdown } from '@veza/gate-probes';
import type { DecisionReportInput, GateRun, LaunchSettings } from '@veza/gate-probes';
import { dispatchFacts, failedDispatches, hasGateRunsTable, inviteReport, listDecisions, listGateRuns } from '@veza/invites-db';
import { withDatabase } from '../database.js';

/** Stored runs read for the history chart: listGateRuns' largest page. */
const HISTORY_LIMIT = 1_000;

export interface WrittenReport {
  html: string;
  markdown: string;
  /** null when no PNG was taken: `pngReason` says why */
  png: string | null;
  pngReason: string | null;
}

/**
 * Gathers what the decision call looks at (stored gate history over the beta
 * window, funnel, dispatch, HIGH issues, decisions so far) around `run`, and
 * writes decision.html, decision.md and, unless `screenshot` is false,
 * decision.png into `dir`.
 */
export async function writeDecisionReport(
  env: NodeJS.ProcessEnv,
  launch: LaunchSettings,
  run: GateRun,
  dir: string,
  options: { screenshot?: boolean } = {},
): Promise<WrittenReport> {
  // BETA_START…BETA_END, each bound on its own: BETA_START alone (set for hour 1) drew the T-72h runs too
  const { betaStart: from, betaEnd: to } = launch;
  const [facts, high] = await Promise.all([
    withDatabase(env, async (conn) => {
      const stored = (await hasGateRunsTable(conn.db)) ? await listGateRuns<GateRun>(conn.db, { limit: HISTORY_LIMIT }) : [];
      const oldest = stored.at(-1);
      return {
        // a full page whose oldest run is still inside the window: older runs of the window were not read
        historyCut: stored.length === HISTORY_LIMIT && oldest !== undefined && (!from || oldest.startedAt > from),
        history: stored
          .filter((r) => (!from || r.startedAt >= from) && (!to || r.startedAt <= to))
          .map((r) => ({ startedAt: r.run.startedAt, gates: r.run.gates })),
        funnel: (await inviteReport(conn.db)).cohorts,
        dispatch: await dispatchFacts(conn.db),
        failures: await failedDispatches(conn.db),
        decisions: await listDecisions(conn.db),
      };
    }),
    fetchHighIssues(launch, { timeoutMs: launch.timeoutMs }),
  ]);
  // the run made now is part of the history even when it was not stored
  const history = facts.history.some((h) => h.startedAt === run.startedAt)
    ? facts.history
    : [...facts.history, { startedAt: run.startedAt, gates: run.gates }];
  const input: DecisionReportInput = {
    generatedAt: new Date(),
    run,
    history,
    historyCut: facts.historyCut,
    funnel: facts.funnel,
    dispatch: facts.dispatch,
    failures: facts.failures,
    highIssues: high,
    decisions: facts.decisions,
  };
  createFolder(dir, 0o755);
  const open = folderOpenToOthers(dir);
  if (open) throw new ExitError(1, `${open}\nNo report was written.`);
  const html = join(dir, 'decision.html');
  const markdown = join(dir, 'decision.md');
  const png = join(dir, 'decision.png');
  // Both replaced whole, or neither: a full disk or a kill leaves the earlier report as it was, never a cut one.
  replaceFiles([
    { path: html, data: renderDecisionHtml(input), mode: 0o644 },
    { path: markdown, data: renderDecisionMarkdown(input), mode: 0o644 },
  ]);
  // The earlier screenshot goes as soon as the new page is there (not before: a full disk keeps the earlier report
  // whole). Left beside it (Ctrl-C or a kill while Chromium ran, no Chromium), it showed the earlier verdict under
  // today's date, and the decision phase took it for this report's.
  rmSync(png, { force: true });
  if (options.screenshot === false) return { html, markdown, png: null, pngReason: 'screenshot not requested' };
  const shot = await screenshotHtmlFile(html, png, { width: 1160, mode: 0o644 }); // as the page it shows
  return shot.ok ? { html, markdown, png, pngReason: null } : { html, markdown, png: null, pngReason: shot.reason };
}
