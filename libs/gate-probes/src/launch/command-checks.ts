import { showControlChars } from '@veza/invite-rules';
import { decidedCheck, notConfiguredCheck } from './launch-check.js';
import type { LaunchCheck, LaunchObservation } from './launch-check.js';
import { LAUNCH_DEFAULTS, launchSecrets } from './launch-settings.js';
import type { LaunchSettings } from './launch-settings.js';
import { runCommand } from './run-command.js';
import { jsonText } from '../json-text.js';
import { commandSecrets, redactText, scrubSecrets } from '../redact.js';

export const BACKUP_TITLE = 'Backup fresh (newest full or diff < 24 h)';
export const DRILL_TITLE = 'pgBackRest restore drill passed in the last 7 days';

/**
 * The first line of a command's output (a bare CR ends it too), its other control characters shown as
 * `\uXXXX`: it is printed on the operator's terminal, where an escape sequence would recolour, retitle or
 * rewrite it.
 */
const firstLine = (text: string) =>
  showControlChars(
    text
      .trim()
      .split(/\r\n|\r|\n/)[0]
      ?.slice(0, 200) ?? '',
  );

/** A stop later than this after now is no backup time but a clock or unit problem (pgBackRest writes epoch seconds). */
const FUTURE_SKEW_SECONDS = 5 * 60;
/** 2000-01-01T00:00:00Z: anything earlier is no epoch-seconds time of a backup. */
const EARLIEST_STOP_SECONDS = 946_684_800;

/** Why a timestamp.stop is not a plausible epoch-seconds time (a future one, milliseconds, a string), or null. */
function implausibleStop(stop: unknown, now: Date): string | null {
  if (typeof stop !== 'number' || !Number.isFinite(stop) || stop < EARLIEST_STOP_SECONDS) return 'is not an epoch-seconds time';
  if (stop > now.getTime() / 1000 + FUTURE_SKEW_SECONDS) return 'is in the future (milliseconds, or a clock ahead?)';
  return null;
}

/**
 * The verdict on `pgbackrest info --output=json`: every stanza's status.code
 * 0, and the newest full or diff backup without error younger than maxAgeHours.
 */
export function backupVerdict(info: unknown, now: Date, maxAgeHours: number = LAUNCH_DEFAULTS.backupMaxAgeHours): LaunchObservation {
  if (!Array.isArray(info) || info.length === 0)
    return { state: 'unknown', reason: 'parse', summary: 'pgbackrest info: expected a JSON list of stanzas' };
  const notes: string[] = [];
  let worst: LaunchObservation | null = null;
  let unreadable: LaunchObservation | null = null;
  for (const stanza of info as { name?: unknown; status?: { code?: unknown; message?: unknown }; backup?: unknown }[]) {
    const name = jsonText(stanza?.name, '?');
    if (typeof stanza?.status?.code !== 'number' || !Array.isArray(stanza.backup))
      return { state: 'unknown', reason: 'parse', summary: `pgbackrest info: stanza ${name} has no status.code or backup list` };
    if (stanza.status.code !== 0) {
      worst = { state: 'fail', summary: `stanza ${name}: status ${stanza.status.code} ${jsonText(stanza.status.message)}` };
      continue;
    }
    const usable = (stanza.backup as { label?: unknown; type?: unknown; error?: unknown; timestamp?: { stop?: unknown } }[]).filter(
      (b) => (b.type === 'full' || b.type === 'diff') && b.error !== true,
    );
    // One unreadable stop could be the newest backup: the age cannot be told (⚪), unless something already fails.
    const bad = usable.map((b) => ({ b, why: implausibleStop(b.timestamp?.stop, now) })).find((x) => x.why !== null);
    if (bad) {
      unreadable ??= {
        state: 'unknown',
        reason: 'parse',
        summary: `stanza ${name}: backup ${jsonText(bad.b.label, '?')} timestamp.stop ${jsonText(bad.b.timestamp?.stop, '(none)')} ${bad.why}`,
      };
      continue;
    }
    const stops = usable.map((b) => b.timestamp!.stop as number);
    if (stops.length === 0) {
      worst ??= { state: 'fail', summary: `stanza ${name}: no full or diff backup without error` };
      continue;
    }
    const ageHours = (now.getTime() / 1000 - Math.max(...stops)) / 3600;
    // the tenth of an hour shown on the verdict's side of the limit: 24 h 2 min said "24.0 h old (max 24 h)" 🔴
    const tooOld = ageHours > maxAgeHours;
    const shown = `stanza ${name}: newest full/diff ${(tooOld ? Math.ceil(ageHours * 10) / 10 : ageHours).toFixed(1)} h old (max ${maxAgeHours} h)`;
    if (tooOld) worst ??= { state: 'fail', summary: shown };
    notes.push(shown);
  }
  return worst ?? unreadable ?? { state: 'pass', summary: notes.join('; ') };
}

/**
 * What a report shows as the source of a command's answer: the variable and
 * the program, never the arguments (a password, a token, a URL with its
 * credentials), e.g. `DRILL_CHECK_CMD (pg_restore …)`. Leading `NAME=value`
 * words are the command's environment (`PGPASSWORD=…`): skipped.
 */
export function commandSource(setting: string, cmd: string): string {
  const program = cmd
    .trim()
    .split(/\s+/)
    .find((word) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(word));
  // A first word with a scheme, a userinfo or a query is no program name: show nothing of it.
  if (!program || /[:@?=]/.test(program)) return setting;
  return `${setting} (${program.replace(/^['"]|['"]$/g, '')} …)`;
}

/**
 * The check of a command's answer, its text made safe to print: the source
 * is commandSource's; any output quoted in the summary has its URLs redacted
 * (passwords, secret-looking query values) and the command's own secret
 * values and the launch tokens replaced by ***.
 */
function commandCheck(title: string, setting: string, cmd: string, observation: LaunchObservation, secrets: string[]): LaunchCheck {
  const summary = scrubSecrets(redactText(observation.summary), [...commandSecrets(cmd), ...secrets]);
  return decidedCheck(title, { ...observation, summary }, commandSource(setting, cmd));
}

/**
 * Backups: PGBACKREST_CMD (the whole `pgbackrest --stanza=… info --output=json`
 * command) read and judged; else BACKUP_CHECK_CMD (exit 0 = fresh); else not checked.
 */
export async function backupCheck(
  settings: LaunchSettings,
  now: Date = new Date(),
  timeoutMs: number = LAUNCH_DEFAULTS.commandTimeoutMs,
): Promise<LaunchCheck> {
  const secrets = launchSecrets(settings);
  if (settings.pgbackrestCmd) {
    const cmd = settings.pgbackrestCmd;
    const checked = (observation: LaunchObservation) => commandCheck(BACKUP_TITLE, 'PGBACKREST_CMD', cmd, observation, secrets);
    const out = await runCommand(cmd, timeoutMs);
    if (out.timedOut)
      return checked({ state: 'unknown', reason: 'timeout', summary: `PGBACKREST_CMD gave no answer within ${timeoutMs / 1000} s` });
    if (out.code !== 0)
      return checked({
        state: 'unknown',
        reason: 'unavailable',
        summary: `PGBACKREST_CMD exit ${out.code ?? '?'}${out.error ? `: ${out.error}` : ''}${out.stderr ? `: ${firstLine(out.stderr)}` : ''}`,
      });
    let info: unknown;
    try {
      info = JSON.parse(out.stdout);
    } catch {
      return checked({
        state: 'unknown',
        reason: 'parse',
        summary: 'PGBACKREST_CMD did not print JSON (does it end with info --output=json?)',
      });
    }
    return checked(backupVerdict(info, now));
  }
  if (settings.backupCheckCmd) return hookCheck(BACKUP_TITLE, 'BACKUP_CHECK_CMD', settings.backupCheckCmd, timeoutMs, secrets);
  return notConfiguredCheck(BACKUP_TITLE, 'PGBACKREST_CMD or BACKUP_CHECK_CMD');
}

/** DRILL_CHECK_CMD exits 0 when a restore drill passed in the last 7 days. */
export function drillCheck(settings: LaunchSettings, timeoutMs: number = LAUNCH_DEFAULTS.commandTimeoutMs): Promise<LaunchCheck> {
  if (!settings.drillCheckCmd) return Promise.resolve(notConfiguredCheck(DRILL_TITLE, 'DRILL_CHECK_CMD'));
  return hookCheck(DRILL_TITLE, 'DRILL_CHECK_CMD', settings.drillCheckCmd, timeoutMs, launchSecrets(settings));
}

/** An operator hook: exit 0 ✅, another exit 🔴, no answer by the deadline ⚪. */
async function hookCheck(title: string, setting: string, cmd: string, timeoutMs: number, secrets: string[]): Promise<LaunchCheck> {
  const checked = (observation: LaunchObservation) => commandCheck(title, setting, cmd, observation, secrets);
  const out = await runCommand(cmd, timeoutMs);
  if (out.timedOut)
    return checked({ state: 'unknown', reason: 'timeout', summary: `${setting} gave no answer within ${timeoutMs / 1000} s` });
  if (out.code === 0)
    return checked({ state: 'pass', summary: `${setting} exited 0${out.stdout.trim() ? `: ${firstLine(out.stdout)}` : ''}` });
  if (out.code === null)
    return checked({ state: 'unknown', reason: 'unavailable', summary: `${setting} did not run: ${out.error ?? 'killed'}` });
  return checked({
    state: 'fail',
    summary: `${setting} exit ${out.code}${out.stderr.trim() || out.stdout.trim() ? `: ${firstLine(out.stderr || out.stdout)}` : ''}`,
  });
}
