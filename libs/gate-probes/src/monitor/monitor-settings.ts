import { databaseSettingsFromEnv } from '@veza/invites-db';
import type { Problem } from '@veza/invite-rules';
import { httpUrlField, parseSettings, SECRET_SETTINGS } from '@veza/settings';
import type { Validation } from '@veza/settings';
import { z } from 'zod';
import type { OpenOptions } from '@veza/invites-db';
import { gatesConfigFromEnv, numberField } from '../config.js';
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

/** The shared result shape (`@veza/settings`). */
export type Parsed<T> = Validation<T>;

/** The variables monitorSettingsFromEnv reads besides the gates' (GATE_ENV_VARS) and DATABASE_URL / VEZA_DATA_DIR. */
export const MONITOR_ENV_VARS = [
  'LOOP',
  'CHECK_INTERVAL',
  'UNKNOWN_MAX_MINUTES',
  'GATES_RUN_TIMEOUT_MS',
  'MAX_RUNS',
  'GATES_WEBHOOK_URL',
] as const;

/** The monitor's own variables; defaults that depend on another setting are computed after parsing. */
export const MONITOR_SETTINGS_SCHEMA = z.object({
  LOOP: z
    .string()
    .refine((value) => /^(1|true|yes|on|0|false|no|off)$/i.test(value), {
      error: (issue) => `must be 1 or 0 (got "${String(issue.input)}")`,
    })
    .transform((value) => /^(1|true|yes|on)$/i.test(value))
    .default(false),
  CHECK_INTERVAL: numberField({ min: 1, max: 86_400 }).default(MONITOR_DEFAULTS.checkIntervalSeconds),
  // at least about a second (0.02 min), at most a year: kept whole in milliseconds
  UNKNOWN_MAX_MINUTES: numberField({ min: 0.02, max: 525_600 }).optional(),
  UNKNOWN_LIMIT: z
    .string()
    .refine(
      () => false,
      '(a count of runs) is no longer read: escalation measures time; set UNKNOWN_MAX_MINUTES (default 4 × CHECK_INTERVAL) instead',
    )
    .optional(),
  MAX_RUNS: numberField({ min: 1, integer: true }).optional(),
  // The URL is a credential: never echoed.
  GATES_WEBHOOK_URL: httpUrlField('is not an http(s) URL').optional(),
  GATES_RUN_TIMEOUT_MS: numberField({ min: 1_000, max: 3_600_000, integer: true }).optional(),
});

/**
 * LOOP, CHECK_INTERVAL, UNKNOWN_MAX_MINUTES, GATES_RUN_TIMEOUT_MS, MAX_RUNS,
 * GATES_WEBHOOK_URL, the database and the gates' settings, from an
 * environment the app read (`@veza/settings`): strict, every problem listed,
 * each naming its variable.
 */
export function monitorSettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  options: { once?: boolean } = {},
): Parsed<MonitorSettings> {
  const own = parseSettings(MONITOR_SETTINGS_SCHEMA, env, { secrets: SECRET_SETTINGS });
  const gates = gatesConfigFromEnv(env);
  const database = databaseSettingsFromEnv(env);
  const problems: Problem[] = [
    ...(own.ok ? [] : own.problems),
    ...(gates.ok ? [] : gates.problems),
    ...(database.ok ? [] : database.problems),
  ];
  if (!own.ok || !gates.ok || !database.ok) return { ok: false, problems, warnings: gates.warnings };
  const v = own.value;
  const runTimeoutMs = v.GATES_RUN_TIMEOUT_MS ?? Math.max(MONITOR_DEFAULTS.runTimeoutMs, gates.value.timeoutMs + 20_000);
  if (runTimeoutMs <= gates.value.timeoutMs) {
    const message = `(${runTimeoutMs} ms) must be more than GATE_TIMEOUT_MS (${gates.value.timeoutMs} ms): the run deadline includes the gates`;
    return { ok: false, problems: [{ field: 'GATES_RUN_TIMEOUT_MS', message }], warnings: gates.warnings };
  }
  const unknownMaxMinutes = v.UNKNOWN_MAX_MINUTES ?? (MONITOR_DEFAULTS.unknownMaxIntervals * v.CHECK_INTERVAL) / 60;
  const given = database.value.databaseUrl !== undefined || database.value.dataDir !== undefined;
  return {
    ok: true,
    warnings: gates.warnings,
    value: Object.freeze({
      gates: gates.value,
      loop: v.LOOP && !options.once,
      intervalMs: Math.round(v.CHECK_INTERVAL * 1_000),
      unknownMaxMs: Math.round(unknownMaxMinutes * 60_000),
      runTimeoutMs,
      maxRuns: v.MAX_RUNS ?? null,
      webhookUrl: v.GATES_WEBHOOK_URL ?? null,
      database: given ? database.value : null,
    }),
  };
}
