import type { Problem } from '@veza/invite-rules';
import type { Connection } from '@veza/invites-db';
import { configSecrets, gatesConfigFromEnv } from './config.js';
import type { GatesConfig } from './config.js';
import { GatesConfigError } from './errors.js';
import { notConfigured } from './probe-kit.js';
import type { ProbeOptions } from './probe-kit.js';
import { highIssuesProbe } from './probes/high-issues-probe.js';
import { k6Probe } from './probes/k6-probe.js';
import { sentryProbe } from './probes/sentry-probe.js';
import { statuspageProbe } from './probes/statuspage-probe.js';
import { syntheticProbe } from './probes/synthetic-probe.js';
import { testersProbe } from './probes/testers-probe.js';
import type { TestersSource } from './probes/testers-probe.js';
import { scrubSecrets } from './redact.js';
import type { GateResult, GateRun } from './types.js';
import { CONFIG_ERROR_EXIT_CODE, verdictOf } from './verdict.js';

export interface RunGatesDeps {
  fetch?: typeof fetch;
  now?: () => Date;
  /** the testers count: an invites-db Connection or any TestersSource */
  testers?: TestersSource | Connection;
  /** first retry wait (default 250 ms), shortened by tests */
  backoffMs?: number;
  signal?: AbortSignal;
}

/** Checks what the type system cannot: a config built in code rather than by gatesConfigFromEnv. */
function assertUsable(config: GatesConfig): void {
  const problems: string[] = [];
  if (!(Number.isInteger(config.timeoutMs) && config.timeoutMs > 0)) problems.push('timeoutMs must be a positive integer');
  if (!(Number.isInteger(config.retries) && config.retries >= 0)) problems.push('retries must be an integer ≥ 0');
  if (problems.length) throw new GatesConfigError(problems);
}

/**
 * Runs the six gates in parallel, each within config.timeoutMs, and returns
 * the verdict with every gate's evidence. Never throws for what a probe sees;
 * throws GATES_CONFIG_INVALID for an unusable config object.
 */
export async function runGates(config: GatesConfig, deps: RunGatesDeps = {}): Promise<GateRun> {
  assertUsable(config);
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const options: ProbeOptions = {
    fetch: deps.fetch,
    now,
    timeoutMs: config.timeoutMs,
    retries: config.retries,
    backoffMs: deps.backoffMs,
    signal: deps.signal,
  };
  const gates: GateResult[] = await Promise.all([
    config.testers ? testersProbe(config.testers, deps.testers, options) : notConfigured('testers', '—', 'TESTERS_TARGET', now),
    config.sentry ? sentryProbe(config.sentry, options) : notConfigured('sentry', '—', 'SENTRY_AUTH_TOKEN and SENTRY_ORG', now),
    config.statuspage ? statuspageProbe(config.statuspage, options) : notConfigured('statuspage', '—', 'STATUSPAGE_URL', now),
    config.synthetic ? syntheticProbe(config.synthetic, options) : notConfigured('synthetic', '—', 'PROM_URL', now),
    config.k6 ? k6Probe(config.k6, options) : notConfigured('k6', '—', 'GITHUB_REPO and K6_WORKFLOW', now),
    config.highIssues ? highIssuesProbe(config.highIssues, options) : notConfigured('high_issues', '—', 'GITHUB_REPO', now),
  ]);
  const run: GateRun = { startedAt, finishedAt: now().toISOString(), ...verdictOf(gates), gates };
  return scrubSecrets(run, configSecrets(config));
}

export type GatesCheck =
  | { ok: true; run: GateRun; exitCode: 0 | 1 | 2; warnings: readonly Problem[] }
  | { ok: false; exitCode: typeof CONFIG_ERROR_EXIT_CODE; problems: readonly Problem[]; warnings: readonly Problem[] };

/** `gates check` in one call: validate the environment (exit 3 before probing), then run. */
export async function checkGates(env: Record<string, string | undefined>, deps: RunGatesDeps = {}): Promise<GatesCheck> {
  const config = gatesConfigFromEnv(env);
  if (!config.ok) return { ok: false, exitCode: CONFIG_ERROR_EXIT_CODE, problems: config.problems, warnings: config.warnings };
  const run = await runGates(config.value, deps);
  return { ok: true, run, exitCode: run.exitCode, warnings: config.warnings };
}
