import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  backupCheck,
  decisionRecordedCheck,
  discordInviteCheck,
  discordMessagesSinceCheck,
  discordPinsCheck,
  drillCheck,
  errorRatioCheck,
  feedbackFormCheck,
  firstRedemptionCheck,
  healthCheck,
  highTriageCheck,
  lastDispatchCheck,
  maintenanceCheck,
  minioClusterCheck,
  minioPrometheusCheck,
  monitorFreshCheck,
  pagerdutyIncidentsCheck,
  pagerdutyOnCallCheck,
  localDay,
} from '@veza/gate-probes';
import type { LaunchCheck, LaunchSettings, LaunchStart } from '@veza/gate-probes';
import { countRedeemedInvites, dispatchFacts, hasGateRunsTable, latestDecision, latestGateRun } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { fail, manual } from './check-helpers.js';
import type { Check } from './check-helpers.js';
import { launchItem } from './launch-item.js';
import { shellWord } from '../shell-word.js';

export const PHASES = ['t-72h', 'd-day', 'hour-1', 'every-4h', 'decision'] as const;
export type Phase = (typeof PHASES)[number];

/** Each HTTP check's budget: GATE_TIMEOUT_MS, as for the gates (10 s). */
const budget = (settings: LaunchSettings) => ({ timeoutMs: settings.timeoutMs });

const noDatabase = (title: string, why: string | null): Check =>
  fail(title, `no database: ${why ?? 'not opened'}`, 'check DATABASE_URL (or VEZA_DATA_DIR)');

/** The monitor's newest stored run, judged against 2 × CHECK_INTERVAL. */
export async function monitorItem(conn: Connection | null, dbError: string | null, settings: LaunchSettings, fix: string): Promise<Check> {
  const title = 'Gate monitor running (newest stored run < 2 × CHECK_INTERVAL old)';
  if (!conn) return noDatabase(title, dbError);
  if (!(await hasGateRunsTable(conn.db))) return fail(title, 'no gate_runs table', 'run: veza-beta db migrate');
  // The monitor's own runs: a one-off `gates check` or `decision report` stores runs too, and is no monitor.
  // Runs stored before `source` existed have none: they count as the monitor's.
  const latest = await latestGateRun(conn.db, { source: 'monitor' });
  return launchItem(monitorFreshCheck(latest?.finishedAt ?? null, settings.checkIntervalSeconds), fix);
}

/** Backups: PGBACKREST_CMD read and judged, or the BACKUP_CHECK_CMD hook. */
export async function backupItem(settings: LaunchSettings): Promise<Check> {
  return launchItem(await backupCheck(settings), 'take a backup (pgbackrest --stanza=veza --type=diff backup) and check again');
}

/** T-72h communications: the Discord channel, the feedback form, the status page, the on-call rota. */
export async function communicationsItems(settings: LaunchSettings): Promise<Check[]> {
  const checks = await Promise.all([
    discordInviteCheck(settings, budget(settings)),
    discordPinsCheck(settings, budget(settings)),
    feedbackFormCheck(settings, budget(settings)),
    maintenanceCheck(settings, budget(settings)),
    pagerdutyOnCallCheck(settings, budget(settings)),
  ]);
  const fixes = [
    'create a fresh invite to #beta-feedback and put it in DISCORD_URL',
    'pin the ground rules in the channel',
    'fix FEEDBACK_URL: the invite links it',
    'declare a maintenance covering BETA_START…BETA_END on the status page',
    'fill the gaps in the PagerDuty schedules (4 h shifts, primary + backup)',
  ];
  return checks.map((c, i) => launchItem(c, fixes[i]));
}

/** D-day, last hour: PagerDuty, backend health, MinIO (each source set must pass), restore drill. */
export async function lastHourItems(settings: LaunchSettings): Promise<Check[]> {
  const minio: Promise<LaunchCheck>[] = [];
  if (settings.minioUrl) minio.push(minioClusterCheck(settings, budget(settings)));
  if (settings.promUrl) minio.push(minioPrometheusCheck(settings, budget(settings)));
  const [incidents, health, drill, ...drives] = await Promise.all([
    pagerdutyIncidentsCheck(settings, budget(settings)),
    healthCheck(settings, budget(settings)),
    drillCheck(settings),
    ...minio,
  ]);
  const items = [
    launchItem(incidents, 'resolve or hand over the open incidents before sending'),
    launchItem(health, 'look at the backend before sending'),
  ];
  if (drives.length === 0)
    items.push({
      title: 'MinIO drives all online',
      status: 'skipped',
      detail: 'not checked',
      fix: 'set MINIO_URL and/or PROM_URL (PROM_MINIO_QUERY)',
    });
  else items.push(...drives.map((d) => launchItem(d, 'bring the drives back before sending')));
  items.push(launchItem(drill, 'run a restore drill (pgbackrest restore on a scratch host) and record it'));
  return items;
}

/** D-day send: the last dispatch left 0 failed and 0 unknown (database). */
export async function dispatchItem(conn: Connection | null, dbError: string | null): Promise<Check> {
  if (!conn) return noDatabase('Last dispatch: 0 failed, 0 unknown', dbError);
  const facts = await dispatchFacts(conn.db);
  return launchItem(
    lastDispatchCheck(facts),
    'read the dispatch summary and dispatch.log; rerun veza-beta invites dispatch (never sends twice)',
  );
}

/**
 * Where hour 1 counts from: BETA_START, else the first invitation email ever
 * sent. That one may be a test send days before the launch (or the first wave
 * of a second one), whose redemption and the team's messages since then
 * ticked the items on launch day: each figure says which it is.
 */
function launchStart(settings: LaunchSettings, firstSentAt: Date | null): LaunchStart | null {
  if (settings.betaStart) return { at: settings.betaStart, what: 'BETA_START' };
  if (firstSentAt)
    return { at: firstSentAt, what: 'the first invitation email sent, a test send included: set BETA_START to count from the launch' };
  return null;
}

/** Hour 1: a redemption, the 5xx ratio, a message in the channel, since the launch (launchStart). */
export async function hourOneItems(conn: Connection | null, dbError: string | null, settings: LaunchSettings): Promise<Check[]> {
  const facts = conn ? await dispatchFacts(conn.db) : null;
  const start = launchStart(settings, facts?.firstSentAt ?? null);
  const [ratio, messages] = await Promise.all([
    errorRatioCheck(settings, budget(settings)),
    discordMessagesSinceCheck(settings, start, budget(settings)),
  ]);
  const redeemed = conn
    ? launchItem(
        firstRedemptionCheck(await countRedeemedInvites(conn.db, undefined, start ? { since: start.at } : {}), start),
        'open a sent email and follow its link; check the redemption-api logs',
      )
    : noDatabase('First sign-up landed (≥ 1 redemption)', dbError);
  return [
    redeemed,
    launchItem(ratio, 'look at Grafana "Veza API Overview" and the backend logs'),
    launchItem(messages, 'post a welcome in the channel and ask testers to say hello'),
  ];
}

export async function everyFourHoursItems(conn: Connection | null, dbError: string | null, settings: LaunchSettings): Promise<Check[]> {
  return [
    await monitorItem(conn, dbError, settings, 'restart the monitor (LOOP=1 npm run monitor) or its cron'),
    launchItem(await highTriageCheck(settings, budget(settings)), 'assign or answer the HIGH issues named above'),
    manual('Issues-reported table fresh for the decision call', 'veza-beta decision report writes it from GitHub; read it before the call'),
  ];
}

/** The folder of today's decision report: --report-dir, else `decision-<local day>` in the working directory. */
function reportFolder(dir: string | undefined, now: Date): string {
  return resolve(dir ?? `decision-${localDay(now)}`);
}

/** The command that writes that report again (into --report-dir when one was given). */
function reportAgain(dir: string | undefined): string {
  return `run: veza-beta decision report${dir ? ` --out ${shellWord(dir)}` : ''}`;
}

/** The decision report of today in the working directory (or --report-dir). */
export function reportItem(dir: string | undefined, now: Date = new Date()): Check {
  const title = 'Decision report written today';
  const folder = reportFolder(dir, now);
  const files = ['decision.html', 'decision.png', 'decision.md'].map((f) => join(folder, f));
  // an empty file is what a failed write leaves (a full disk): not a report
  const missing = files.filter((f) => !existsSync(f) || statSync(f).size === 0);
  const again = reportAgain(dir);
  // Only the screenshot missing: the report ran without Chromium, or was stopped while Chromium ran (exit 1 either way).
  if (missing.length === 1 && missing[0] === files[1])
    return fail(
      title,
      `missing or empty: ${missing.join(', ')}`,
      `decision.png is the page's screenshot, taken with headless Chromium at /usr/bin/chromium (apt-get install -y chromium when it is missing; the report says why it took none), then ${again}`,
    );
  // No report in the default folder: it may have gone elsewhere with --out (decision report --help's example)
  if (missing.length === files.length && dir === undefined)
    return fail(
      title,
      `missing or empty: ${missing.join(', ')}`,
      `${again} (one written elsewhere with --out DIR is read with --report-dir DIR)`,
    );
  if (missing.length) return fail(title, `missing or empty: ${missing.join(', ')}`, again);
  // a report cut short (written by an earlier version in place, or copied in part) is not one
  if (!/<\/html>\s*$/i.test(readTail(files[0]!))) return fail(title, `${files[0]} is cut short (no closing </html>)`, again);
  const html = statSync(files[0]!).mtime;
  if (localDay(html) !== localDay(now)) return fail(title, `${files[0]} was written on ${html.toISOString()}`, again);
  // The screenshot is taken after the page: one older than it shows an earlier report (an earlier version's run
  // stopped while Chromium ran). A second of slack for a folder copied without its times (cp -r: any order, within ms).
  const png = statSync(files[1]!).mtime;
  if (png.getTime() < html.getTime() - 1_000)
    return fail(
      title,
      `${files[1]} (${png.toISOString()}) is older than ${files[0]} (${html.toISOString()}): it shows an earlier report`,
      again,
    );
  return { title, status: 'pass', detail: `${folder} (${html.toISOString()})` };
}

/** The gates run a decision.md names ("Gates run <startedAt> → …"), or null. */
function reportRunStart(markdown: string): string | null {
  return /^Gates run (\S+) → /m.exec(markdown)?.[1] ?? null;
}

/**
 * reportItem, the report's gates run read today, and stored in this database. A report made on another database (a
 * `.veza/` in another folder, another DATABASE_URL) passed beside a decision recorded here: the call read
 * figures this database never had, and both items were green.
 */
export async function decisionReportItem(dir: string | undefined, conn: Connection | null, now: Date = new Date()): Promise<Check> {
  const item = reportItem(dir, now);
  if (item.status !== 'pass') return item;
  const markdown = join(reportFolder(dir, now), 'decision.md');
  const started = reportRunStart(readFileSync(markdown, 'utf8'));
  // An earlier day's report copied (cp -r, rsync without -t: its files dated today) passed on the files' times:
  // the run it names says when its figures were read.
  const startedAt = started === null ? Number.NaN : Date.parse(started);
  if (!Number.isNaN(startedAt) && localDay(new Date(startedAt)) !== localDay(now))
    return fail(
      item.title,
      `${markdown} shows the gates run of ${started}, not today's: an earlier day's report (its folder copied, its files dated today)`,
      reportAgain(dir),
    );
  // no database: "Decision recorded today" below says why; the folder's own checks stand
  if (!conn) return item;
  const again = `${reportAgain(dir)} with the database the decision is recorded in`;
  if (!started) return fail(item.title, `${markdown} names no gates run (no "Gates run … →" line): not a decision report`, again);
  const stored = (await hasGateRunsTable(conn.db)) ? await latestGateRun(conn.db, { source: 'decision report', startedAt: started }) : null;
  if (!stored)
    return fail(
      item.title,
      `${markdown} shows the gates run of ${started}, which this database did not store: the report was made on another database (a .veza/ in another folder, or another DATABASE_URL), or not by veza-beta decision report (the demo's report stores no run)`,
      again,
    );
  return item;
}

/** `now`: the phase's one reading of the clock, as decisionReportItem's (read twice, a run across midnight judged the two on different days). */
export async function decisionRecordedItem(conn: Connection | null, dbError: string | null, now: Date = new Date()): Promise<Check> {
  if (!conn) return noDatabase('Decision recorded today', dbError);
  const latest = await latestDecision(conn.db);
  // the run the newest decision report stored: a decision recorded before it did not judge its figures
  const report = (await hasGateRunsTable(conn.db)) ? await latestGateRun(conn.db, { source: 'decision report' }) : null;
  return launchItem(decisionRecordedCheck(latest, now, report?.id ?? null), 'veza-beta decision record GO|NO-GO --note "…" --by NAME');
}

/** The last 256 bytes of a file, as text. */
function readTail(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const buffer = Buffer.alloc(Math.min(256, size));
    readSync(fd, buffer, 0, buffer.length, size - buffer.length);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}
