import { performance } from 'node:perf_hooks';
import { GATE_DEFAULTS } from './config.js';
import { deadlineError } from './deadline.js';
import { redactUrl } from './redact.js';
import { GATE_TITLES } from './types.js';
import type { GateId, GateResult, GateState, UnknownReason } from './types.js';

/** What every probe accepts besides its own config. */
export interface ProbeOptions {
  /** defaults to the global fetch (Node 20) */
  fetch?: typeof fetch;
  /** the clock for observedAt, ages and Retry-After dates */
  now?: () => Date;
  /** budget of this probe, retries included (default 10,000 ms) */
  timeoutMs?: number;
  /** extra attempts after a transient failure (default 2) */
  retries?: number;
  /** first backoff wait, doubled at each retry (default 250 ms) */
  backoffMs?: number;
  /** cancels the probe (e.g. the monitor shutting down) */
  signal?: AbortSignal;
}

/** What a probe concludes; runProbe adds timing, status and the common fields. */
export interface Observation {
  state: GateState;
  reason?: UnknownReason;
  summary: string;
  value: number | string | null;
  details?: Record<string, unknown>;
}

/** Thrown inside a probe to end it at ⚪ with a reason. */
export class ProbeProblem extends Error {
  constructor(
    readonly reason: UnknownReason,
    message: string,
  ) {
    super(message);
  }
}

/** The running probe: its budget, its clock, and the last HTTP facts for the evidence. */
export class ProbeContext {
  readonly fetch: typeof fetch;
  readonly now: () => Date;
  readonly retries: number;
  readonly backoffMs: number;
  readonly signal: AbortSignal;
  readonly timeoutMs: number;
  private readonly deadline: number;
  private readonly timer: NodeJS.Timeout;
  private readonly unlink: () => void;
  httpStatus: number | null = null;
  attempts = 0;
  source: string | null = null;

  constructor(options: ProbeOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? (() => new Date());
    this.retries = options.retries ?? GATE_DEFAULTS.retries;
    this.backoffMs = options.backoffMs ?? 250;
    this.timeoutMs = options.timeoutMs ?? GATE_DEFAULTS.timeoutMs;
    this.deadline = performance.now() + this.timeoutMs;
    // The timer is held here and cleared by dispose(): AbortSignal.timeout()
    // combined with AbortSignal.any() can be collected on Node 20 and never fire.
    const controller = new AbortController();
    this.signal = controller.signal;
    this.timer = setTimeout(() => controller.abort(deadlineError(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
    const outer = options.signal;
    if (outer?.aborted) controller.abort(outer.reason);
    const onOuterAbort = () => controller.abort(outer?.reason);
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    this.unlink = () => outer?.removeEventListener('abort', onOuterAbort);
  }

  /** Stops the probe's timer and forgets the caller's signal; runProbe calls it when the probe ends. */
  dispose(): void {
    clearTimeout(this.timer);
    this.unlink();
  }

  /** Milliseconds left in this probe's budget. */
  remainingMs(): number {
    return Math.max(0, this.deadline - performance.now());
  }

  /** Remembers the URL the evidence points at, without secrets. */
  setSource(url: string): void {
    this.source = redactUrl(url);
  }
}

/** Waits, unless the probe is aborted first. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** The timeout behind a failure, whether the body threw it or the budget's signal carries it. */
export function timeoutOf(error: unknown, signal: AbortSignal): Error | null {
  if (signal.aborted && (signal.reason as { name?: unknown } | null)?.name === 'TimeoutError') return signal.reason as Error;
  if ((error as { name?: unknown } | null)?.name === 'TimeoutError') return error as Error;
  return null;
}

/**
 * Runs body(ctx) and rejects with the budget's reason once ctx's signal aborts:
 * racing the signal also bounds work that ignores it (a database query).
 */
export function withinBudget<T>(ctx: ProbeContext, body: (ctx: ProbeContext) => Promise<T>): Promise<T> {
  const work = body(ctx);
  let onAbort: (() => void) | undefined;
  const budget = new Promise<never>((_, reject) => {
    if (ctx.signal.aborted) return reject(ctx.signal.reason as Error);
    onAbort = () => reject(ctx.signal.reason as Error);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
  });
  // The listener goes when the race is settled: left on the signal, it kept the whole context alive for
  // as long as anything held the signal (Node's fetch keeps it until its request's cleanup runs).
  return Promise.race([work, budget]).finally(() => {
    if (onAbort) ctx.signal.removeEventListener('abort', onAbort);
  });
}

/**
 * Runs a probe body inside its budget and turns whatever happens into a
 * GateResult: a ProbeProblem or a timeout is ⚪ with its reason, anything else
 * unexpected is ⚪ unavailable with its message.
 */
export async function runProbe(
  id: GateId,
  threshold: string,
  options: ProbeOptions,
  body: (ctx: ProbeContext) => Promise<Observation>,
): Promise<GateResult> {
  const ctx = new ProbeContext(options);
  const started = performance.now();
  let observation: Observation;
  try {
    observation = await withinBudget(ctx, body);
  } catch (error) {
    const timeout = timeoutOf(error, ctx.signal);
    if (error instanceof ProbeProblem) observation = { state: 'unknown', reason: error.reason, summary: error.message, value: null };
    else if (timeout)
      observation = {
        state: 'unknown',
        reason: 'timeout',
        summary: timeout.message || `no answer within ${ctx.timeoutMs} ms`,
        value: null,
      };
    else if (ctx.signal.aborted) observation = { state: 'unknown', reason: 'unavailable', summary: 'probe cancelled', value: null };
    else
      observation = {
        state: 'unknown',
        reason: 'unavailable',
        summary: `probe error: ${redactUrl(error instanceof Error ? error.message : String(error))}`,
        value: null,
      };
  } finally {
    ctx.dispose();
  }
  return {
    id,
    title: GATE_TITLES[id],
    state: observation.state,
    reason: observation.state === 'unknown' ? (observation.reason ?? 'no_data') : null,
    summary: observation.summary,
    evidence: {
      value: observation.value,
      threshold,
      source: ctx.source,
      httpStatus: ctx.httpStatus,
      latencyMs: Math.round(performance.now() - started),
      observedAt: ctx.now().toISOString(),
      attempts: ctx.attempts,
      details: observation.details ?? {},
    },
  };
}

/** A gate whose settings are all absent. */
export function notConfigured(id: GateId, threshold: string, what: string, now: () => Date = () => new Date()): GateResult {
  return {
    id,
    title: GATE_TITLES[id],
    state: 'unknown',
    reason: 'not_configured',
    summary: `not configured (set ${what})`,
    evidence: {
      value: null,
      threshold,
      source: null,
      httpStatus: null,
      latencyMs: 0,
      observedAt: now().toISOString(),
      attempts: 0,
      details: {},
    },
  };
}

/**
 * A Prometheus sample value (a string in the API: Go's float format, "NaN",
 * "+Inf", "-Inf") as a number a gate can judge. NaN (no traffic, 0/0) is ⚪
 * no_data; an infinity or anything that is not a number is ⚪ parse: never
 * read as 0 or as a pass.
 */
export function promSampleValue(raw: string, query: string): number {
  if (raw === 'NaN') throw new ProbeProblem('no_data', `${query} is NaN (no traffic or no data)`);
  if (raw === '+Inf' || raw === '-Inf') throw new ProbeProblem('parse', `${query} is ${raw}: not a value the gate can judge`);
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw))
    throw new ProbeProblem('parse', `${query} answered "${raw.slice(0, 40).replace(/[^\x20-\x7e]/g, '?')}", not a number`);
  const value = Number(raw);
  // "1e400" is an infinity once read (a ✅ whose value JSON wrote as null): judged as +Inf is
  if (!Number.isFinite(value)) throw new ProbeProblem('parse', `${query} answered "${raw.slice(0, 40)}", a number too large to judge`);
  return value;
}

/**
 * The items of a list an API answered, each an object, or ⚪ parse: a `null` among them was read as an item
 * and ended the probe in a JavaScript error ("Cannot read properties of null"), shown as ⚪ unavailable.
 */
export function objectItems<T extends object>(list: readonly unknown[], what: string): T[] {
  if (list.some((item) => typeof item !== 'object' || item === null || Array.isArray(item)))
    throw new ProbeProblem('parse', `${what} that is not an object`);
  return list as T[];
}
