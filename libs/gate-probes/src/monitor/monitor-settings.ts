import { openOptionsFromEnv } from '@veza/invites-db';
import type { OpenOptions } from '@veza/invites-db';
import { gatesConfigFromEnv } from '../config.js';
import type { GatesConfig } from '../config.js';
import { DEFAULT_UNKNOWN_MAX_MS } from '../escalate.js';
import { DEFAULT_RUN_TIMEOUT_MS } from '../gate-loop.js';

/** The monitor's own settings (the gates' are GATE_DEFAULTS). Every default here. */
export const MONITOR_DEFAULTS = Object.freeze({
  /** seconds between the starts of two runs in a loop (the seed's CHECK_INTERVAL) */
  checkIntervalSeconds: 300,
  /** how long a gate may stay ⚪ before it turns 🔴, as a multiple of CHECK_INTERVAL (4 × 300 s = 20 min) */
  unknownMaxIntervals: DEFAULT_UNKNOWN_MAX_MS / 300_000,
  /** deadline of one whole run (gates, outputs, storage, webhook), in milliseconds */
  runTimeoutMs: DEFAULT_RUN_TIMEOUT_MS,
});

/** What runMonitor needs, typed and validated; build it with monitorSettingsFromEnv or in code. */
export interface MonitorSettings {
  gates: GatesConfig;
  /** LOOP=1 (and not --once): run until maxRuns or the signal; else one run */
  loop: boolean;
  /** from the start of one run to the start of the next (CHECK_INTERVAL), in milliseconds */
  intervalMs: number;
  /** how long a gate may stay ⚪ before it turns 🔴 (UNKNOWN_MAX_MINUTES), in milliseconds */
  unknownMaxMs: number;
  /** deadline of one whole run (GATES_RUN_TIMEOUT_MS), in milliseconds */
  runTimeoutMs: number;
  /** stop a loop after this many runs (MAX_RUNS); null = until stopped */
  maxRuns: number | null;
  /** Discord-compatible webhook for verdict changes; a credential, never printed */
  webhookUrl: string | null;
  /** where the testers count and the verdicts live; null = no database given */
  database: OpenOptions | null;
}

export type Parsed<T> = { ok: true; value: T; warnings: string[] } | { ok: false; errors: string[]; warnings: string[] };

/** The variables monitorSettingsFromEnv reads besides the gates' (GATE_ENV_VARS) and DATABASE_URL / VEZA_DATA_DIR. */
export const MONITOR_ENV_VARS = ['LOOP', 'CHECK_INTERVAL', 'UNKNOWN_MAX_MINUTES', 'GATES_RUN_TIMEOUT_MS', 'MAX_RUNS', 'GATES_WEBHOOK_URL'] as const;

const FLAG = /^(1|true|yes|on)$/i;
const NOT_FLAG = /^(|0|false|no|off)$/i;

/**
 * LOOP, CHECK_INTERVAL, UNKNOWN_MAX_MINUTES, GATES_RUN_TIMEOUT_MS, MAX_RUNS,
 * GATES_WEBHOOK_URL and the gates' settings, from an environment the app
 * read: strict, every problem listed, each naming its variable.
 */
export function monitorSettingsFromEnv(env: Record<string, string | undefined>, options: { once?: boolean } = {}): Parsed<MonitorSettings> {
  const errors: string[] = [];
  const raw = (name: string) => env[name]?.trim() || undefined;
  const number = (name: string, fallback: number, rule: { min: number; integer?: boolean; above?: boolean }): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    const ok = (rule.above ? n > rule.min : n >= rule.min) && (!rule.integer || Number.isInteger(n));
    if (!ok) {
      errors.push(`${name} must be ${rule.integer ? 'an integer' : 'a number'} ${rule.above ? '>' : '≥'} ${rule.min} (got "${value}")`);
      return fallback;
    }
    return n;
  };

  const loopRaw = raw('LOOP') ?? '';
  if (!FLAG.test(loopRaw) && !NOT_FLAG.test(loopRaw)) errors.push(`LOOP must be 1 or 0 (got "${loopRaw}")`);
  const intervalSeconds = number('CHECK_INTERVAL', MONITOR_DEFAULTS.checkIntervalSeconds, { min: 1 });
  const unknownMaxMinutes = number('UNKNOWN_MAX_MINUTES', (MONITOR_DEFAULTS.unknownMaxIntervals * intervalSeconds) / 60, { min: 0, above: true });
  if (raw('UNKNOWN_LIMIT') !== undefined) {
    errors.push('UNKNOWN_LIMIT (a count of runs) is no longer read: escalation measures time; set UNKNOWN_MAX_MINUTES (default 4 × CHECK_INTERVAL) instead');
  }
  const maxRuns = raw('MAX_RUNS') === undefined ? null : number('MAX_RUNS', 1, { min: 1, integer: true });

  let webhookUrl: string | null = null;
  const hook = raw('GATES_WEBHOOK_URL');
  if (hook !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(hook).protocol);
    } catch {
      ok = false;
    }
    // The URL is a credential: never echo it.
    if (ok) webhookUrl = hook;
    else errors.push('GATES_WEBHOOK_URL is not an http(s) URL');
  }

  const gates = gatesConfigFromEnv(env);
  if (!gates.ok) errors.push(...gates.errors);
  const runTimeoutMs = number('GATES_RUN_TIMEOUT_MS', Math.max(MONITOR_DEFAULTS.runTimeoutMs, (gates.ok ? gates.value.timeoutMs : 0) + 20_000), { min: 1_000, integer: true });
  if (gates.ok && raw('GATES_RUN_TIMEOUT_MS') !== undefined && runTimeoutMs <= gates.value.timeoutMs) {
    errors.push(`GATES_RUN_TIMEOUT_MS (${runTimeoutMs} ms) must be more than GATE_TIMEOUT_MS (${gates.value.timeoutMs} ms): the run deadline includes the gates`);
  }

  if (!gates.ok || errors.length) return { ok: false, errors, warnings: gates.warnings };
  const given = raw('DATABASE_URL') !== undefined || raw('VEZA_DATA_DIR') !== undefined;
  return {
    ok: true,
    warnings: gates.warnings,
    value: Object.freeze({
      gates: gates.value,
      loop: FLAG.test(loopRaw) && !options.once,
      intervalMs: Math.round(intervalSeconds * 1_000),
      unknownMaxMs: Math.round(unknownMaxMinutes * 60_000),
      runTimeoutMs,
      maxRuns,
      webhookUrl,
      database: given ? openOptionsFromEnv(env) : null,
    }),
  };
}
