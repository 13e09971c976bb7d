import type { EscalationState } from '../escalate.js';
import type { TestersSource } from '../probes/testers-probe.js';
import type { GateRun, Verdict } from '../types.js';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  DatabaseUnreachableError,
  announceGateVerdictOnce,
  cohortHasInvites,
  countRedeemedInvites,
  hasGateRunsTable,
  listGateRuns,
  openDatabase,
  recordGateRun,
} from '@veza/invites-db';
import { redactUrl } from '../redact.js';
import type { Connection, OpenOptions } from '@veza/invites-db';

type AnnounceOnce = (
  verdict: Verdict,
  known: Verdict | null,
  post: (previous: Verdict | null, signal: AbortSignal) => Promise<{ ok: true } | { ok: false; message: string }>,
  signal: AbortSignal,
  waitMs: number,
) => Promise<{ ok: true; posted: boolean } | { ok: false; message: string }>;

/** How many stored runs back the monitor looks for a state it reads whole (older versions' runs in between are skipped). */
const STATE_LOOKBACK = 50;

/** What the database gives the monitor: the testers count, and a place to keep verdicts. */
export interface MonitorStore {
  /** for the testers gate; undefined when no database was given (⚪ config) */
  testers: TestersSource | Connection | undefined;
  /** set when gate_runs exists */
  history: {
    load(): Promise<EscalationState | null>;
    save(run: GateRun & { source?: string }, state: EscalationState): Promise<void>;
    /**
     * posts a verdict change once among the monitors of this database (see
     * GateLoopOptions.announceOnce); null on a database without
     * gate_announcements (migration 998 not applied: each monitor posts on its own)
     */
    announceOnce: AnnounceOnce | null;
  } | null;
  /** why verdicts are not stored, for the operator; null when they are */
  notStoredBecause: string | null;
  /** gate_runs is missing from a database that answers (LOOP=1 refuses to start then) */
  notMigrated: boolean;
  /** the embedded database is held by another process, often a monitor already running (LOOP=1 refuses to start then) */
  busy: boolean;
  /** `now`: drops the connections at once, what is in flight on them fails (also when a use is still waiting for the server) */
  close(options?: { now?: boolean }): Promise<void>;
}

/**
 * A loop's store that could not reach its PostgreSQL (or dropped a connection
 * that stopped answering) tries again on its next use once this long has
 * passed since: each run tries once (its stages after the first get that
 * attempt's error at once).
 */
export const RECONNECT_PAUSE_MS = 2_000;

/**
 * How long past its statement_timeout (GATE_TIMEOUT_MS) the monitor waits for
 * PostgreSQL's answer before it takes the server for frozen (stopped, a hung
 * machine, a network that drops packets without a reset) and drops the
 * connection: the server cancels any statement at statement_timeout and says
 * so, so an answer later than that and this grace is not coming.
 */
export const ANSWER_GRACE_MS = 2_000;

/** How openMonitorStore behaves when the database does not answer at start. */
export interface MonitorStoreOptions {
  /**
   * A loop's store (LOOP=1): a PostgreSQL that does not answer at start, or
   * stops answering later (its connection then dropped), is tried again at
   * each use (each run's testers count, store and announcement) until it
   * answers. Without it (a single run) it is given up for the run.
   */
  reconnect?: boolean;
  /** told once when a database that did not answer is reached, and when one stops answering */
  say?: (line: string) => void;
  /** stops waiting for the database at start (SIGTERM): the store then has nothing, and its close() does not wait */
  signal?: AbortSignal;
}

/**
 * Opens the given database (DATABASE_URL, else VEZA_DATA_DIR's embedded one);
 * openDatabase bounds the first connection by its connect_timeout, and every
 * use of a PostgreSQL after it must be answered within statement_timeout and
 * ANSWER_GRACE_MS (else the connection is dropped). An unreachable database is
 * not fatal: the testers gate reports it as ⚪ unavailable and verdicts are not
 * stored — for a single run; a loop's store (`reconnect`) on PostgreSQL tries
 * again at each run until it answers, also after a connection it dropped.
 */
export async function openMonitorStore(
  database: OpenOptions | null,
  statementTimeoutMs: number,
  options: MonitorStoreOptions = {},
): Promise<MonitorStore> {
  if (!database) return withoutDatabase('no database given (DATABASE_URL or VEZA_DATA_DIR)');
  const signal = options.signal;
  const opening = openStore(database, statementTimeoutMs, options);
  if (!signal) return opening;
  // A stop while the database is being opened or checked (a server that froze once connected) ends the wait at
  // once: the store is left to close itself when it comes, and the process does not wait for it.
  return new Promise<MonitorStore>((resolve, reject) => {
    const onStop = () => {
      resolve(withoutDatabase('stopped before the database answered'));
      void opening.then((store) => store.close({ now: true })).catch(() => undefined);
    };
    if (signal.aborted) return onStop();
    signal.addEventListener('abort', onStop, { once: true });
    opening.then(
      (store) => {
        signal.removeEventListener('abort', onStop);
        resolve(store);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onStop);
        reject(error);
      },
    );
  });
}

function withoutDatabase(why: string): MonitorStore {
  return { testers: undefined, history: null, notStoredBecause: why, notMigrated: false, busy: false, close: () => Promise.resolve() };
}

async function openStore(database: OpenOptions, statementTimeoutMs: number, options: MonitorStoreOptions): Promise<MonitorStore> {
  const reconnect = Boolean(options.reconnect && database.databaseUrl);
  if (reconnect) return reconnectingStore(database, statementTimeoutMs, options.say);
  let reached: Reached;
  try {
    reached = await reach(database, statementTimeoutMs, (error) => options.say?.(frozenLine(error)));
  } catch (error) {
    return failedStore(error);
  }
  return reached.store;
}

/** A store whose database could not be opened: the testers gate gets its error, nothing is stored. */
function failedStore(error: unknown): MonitorStore {
  const failing: TestersSource = { countRedeemed: () => Promise.reject(error) };
  const busy = (error as { code?: unknown } | null)?.code === 'INVITES_DB_BUSY';
  return { ...withoutDatabase(described(error)), testers: failing, busy };
}

function openStoreDatabase(database: OpenOptions, statementTimeoutMs: number): Promise<Connection> {
  return openDatabase({ ...database, statementTimeoutMs, maxConnections: 2 });
}

/** An open connection under its answer deadline, and what the store can do with it. */
interface Reached {
  guarded: Guarded;
  store: MonitorStore;
}

/**
 * Opens the database and looks at what it holds, every look under the answer
 * deadline: a server that answers the connection and then stops answering (it
 * was frozen at the first look at gate_runs: the monitor hung before its first
 * run, for good, deaf to SIGTERM) throws INVITES_DB_UNREACHABLE like one that
 * never answered. `onFrozen` is told when a later use drops the connection.
 */
async function reach(
  database: OpenOptions,
  statementTimeoutMs: number,
  onFrozen: (error: Error, guarded: Guarded) => void,
): Promise<Reached> {
  const conn = await openStoreDatabase(database, statementTimeoutMs);
  let starting = true;
  const guarded = guardAnswers(conn, statementTimeoutMs + ANSWER_GRACE_MS, (error, g) => {
    if (!starting) onFrozen(error, g);
  });
  try {
    return { guarded, store: await connectedStore(guarded, statementTimeoutMs) };
  } finally {
    starting = false;
  }
}

/** What a guarded work is given: the webhook post's time is not the database's; each answer arms the deadline again. */
interface Steps {
  outside: <U>(step: () => Promise<U>) => Promise<U>;
  answered: () => void;
}

/** A connection whose every use must be answered in time (PostgreSQL). */
interface Guarded {
  conn: Connection;
  /**
   * Runs `work` on the connection, each answer of the server within the
   * answer deadline: `answered` (a work of several statements, a transaction:
   * told at each answer) arms it again for the next question, and an
   * `outside` step (the webhook post inside the announcement's transaction)
   * is not the database's time. Past it the connection is closed at once,
   * what is in flight on it fails, and this and every later use reject with
   * INVITES_DB_UNREACHABLE ("no answer within … s"). PGlite runs in this
   * process: not guarded.
   */
  within<T>(work: (steps: Steps) => Promise<T>): Promise<T>;
  /** uses still waiting for the database */
  inFlight(): number;
}

function guardAnswers(conn: Connection, answerMs: number, onFrozen: (error: Error, guarded: Guarded) => void): Guarded {
  let frozen: Error | null = null;
  let pending = 0;
  const guarded: Guarded = {
    conn,
    inFlight: () => pending,
    within: <T>(work: (steps: Steps) => Promise<T>): Promise<T> => {
      if (frozen) return Promise.reject(frozen);
      if (conn.kind !== 'postgres') return work({ outside: (step) => step(), answered: () => undefined });
      return new Promise<T>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const settle = (done: () => void) => {
          if (settled) return;
          settled = true;
          pending--;
          clearTimeout(timer);
          done();
        };
        const arm = () => {
          clearTimeout(timer);
          timer = setTimeout(() => {
            freeze();
            settle(() => reject(frozen!));
          }, answerMs);
        };
        const outside = async <U>(step: () => Promise<U>): Promise<U> => {
          clearTimeout(timer);
          try {
            return await step();
          } finally {
            if (!settled) arm();
          }
        };
        // the server answered the question before: the next one gets the whole deadline (a slow server is not a frozen one)
        const answered = () => {
          if (!settled) arm();
        };
        pending++;
        arm();
        // a use in flight when another one found the server frozen fails with the connection: said as the freeze
        work({ outside, answered }).then(
          (value) => settle(() => resolve(value)),
          (error: unknown) => settle(() => reject(frozen ?? error)),
        );
      });
    },
  };
  const freeze = () => {
    if (frozen) return;
    const error = new DatabaseUnreachableError(
      conn.target,
      new Error(`no answer within ${answerMs / 1_000} s (a stopped server, a hung machine or network); its connection is closed`),
    );
    frozen = error;
    void conn.close({ now: true }).catch(() => undefined);
    onFrozen(error, guarded);
  };
  return guarded;
}

/** The operator's line when a connection is dropped for not answering (the error's message names the database). */
function frozenLine(error: Error): string {
  return error.message.replace(/^cannot reach /, '').replace(/: no answer within/, ' did not answer within');
}

/** The store on an open connection: whether gate_runs and gate_announcements exist decides what it can do. */
async function connectedStore(guarded: Guarded, statementTimeoutMs: number): Promise<MonitorStore> {
  const { conn } = guarded;
  // a use that the server left unanswered has closed the connection already: close() waits for nothing then
  const close = (options?: { now?: boolean }) => conn.close({ now: Boolean(options?.now) || guarded.inFlight() > 0 });
  const testers: TestersSource = {
    countRedeemed: (cohort) => guarded.within(() => countRedeemedInvites(conn.db, cohort)),
    cohortHasInvites: (cohort) => guarded.within(() => cohortHasInvites(conn.db, cohort)),
    target: conn.target,
  };
  let ready: boolean;
  let shared: boolean;
  try {
    ready = await guarded.within(() => hasGateRunsTable(conn.db));
    shared = await guarded.within(({ answered }) => hasTable(conn, 'gate_announcements', answered));
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === 'INVITES_DB_UNREACHABLE') throw error; // frozen: not reached
    return { testers, history: null, notStoredBecause: (error as Error).message, notMigrated: false, busy: false, close };
  }
  if (!ready) {
    const why = `the database at ${conn.target} has no gate_runs table; run 'veza-beta db migrate' to store verdicts`;
    return { testers, history: null, notStoredBecause: why, notMigrated: true, busy: false, close };
  }
  return {
    testers,
    notStoredBecause: null,
    notMigrated: false,
    busy: false,
    close,
    history: {
      load: async () => {
        // The newest state of this version's kind: a veza-beta of 2026-11-23 (a teammate's monitor or
        // `gates check`) stores states of version 1, without the ⚪ start times; read as the newest, one
        // started every clock again, and beside a monitor of this version kept a dead probe ⚪ for ever.
        const runs = await guarded.within(() => listGateRuns<GateRun, EscalationState>(conn.db, { limit: STATE_LOOKBACK }));
        return (runs.find((r) => (r.state as { schemaVersion?: unknown } | null)?.schemaVersion === 2) ?? runs[0])?.state ?? null;
      },
      save: async (run, state) => void (await guarded.within(() => recordGateRun(conn.db, { run, state }))),
      announceOnce: shared ? announceOnce(guarded, statementTimeoutMs) : null,
    },
  };
}

/**
 * A loop's store on PostgreSQL: a use (the testers count, loading and
 * storing, the announcement) goes to the connection that answers, or first
 * opens one — one attempt at a time, shared, bounded by its connect_timeout
 * and by the caller's deadline; an attempt that failed less than
 * RECONNECT_PAUSE_MS ago is not made again, its error is (so one run makes one
 * attempt, not one per stage, each up to connect_timeout). A connection whose
 * server stops answering (a stopped server, a hung machine, a partition) is
 * dropped by its answer deadline and the next run opens a fresh one: the
 * frozen one could hang there for good (a partition that lost the
 * connection's state never answers it again, where a new connection works),
 * and a store left behind could land after the runs stored since. Until a
 * connection answers the testers gate is ⚪ with the database's error,
 * storing fails and is reported, and the announcement decides on the loop's
 * own memory (as in an outage).
 */
async function reconnectingStore(database: OpenOptions, statementTimeoutMs: number, say?: (line: string) => void): Promise<MonitorStore> {
  let live: Reached | null = null;
  let opening: Promise<Reached> | null = null;
  let failed: { error: unknown; at: number } | null = null;
  let closed = false;
  const closedError = (): unknown => (failed ? failed.error : new Error('the monitor store is closed'));
  const onFrozen = (error: Error, guarded: Guarded) => {
    if (live?.guarded !== guarded) return;
    live = null;
    failed = { error, at: performance.now() };
    say?.(`${frozenLine(error)}: the next run connects again`);
  };
  const connected = (): Promise<Reached> => {
    if (live) return Promise.resolve(live);
    if (closed) return Promise.reject(closedError());
    if (!opening && failed && performance.now() - failed.at < RECONNECT_PAUSE_MS) return Promise.reject(failed.error);
    opening ??= (async () => {
      try {
        let reached: Reached;
        try {
          reached = await reach(database, statementTimeoutMs, onFrozen);
        } catch (error) {
          failed = { error, at: performance.now() };
          throw error;
        }
        if (closed) {
          await reached.store.close();
          throw closedError();
        }
        // the start's connection is not announced; one reached after a failure is
        if (failed)
          say?.(
            `the database at ${reached.guarded.conn.target} answers now: ${reached.store.notStoredBecause ? `verdicts are still not stored: ${reached.store.notStoredBecause}` : 'verdicts are stored from this run on'}`,
          );
        failed = null;
        live = reached;
        return live;
      } finally {
        opening = null;
      }
    })();
    return opening;
  };
  let first: MonitorStore;
  let reachedAtStart = false;
  try {
    first = (await connected()).store;
    reachedAtStart = true;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    // A loop started before its PostgreSQL (a host's boot, a compose file, a failover) kept this error for its
    // whole life: testers ⚪ until it turned 🔴 and was posted as NO-GO, nothing stored, with the database long back.
    if (code !== 'INVITES_DB_UNREACHABLE') return failedStore(error);
    first = withoutDatabase(`${described(error)} (tried again at each run: verdicts are stored once it answers)`);
  }
  // A database that answers without a history (no gate_runs: LOOP=1 refuses to start; gate_runs unreadable) is
  // used as it is, without coming back to it.
  if (reachedAtStart && !first.history) return first;
  // without gate_announcements each monitor posts on its own: runMonitor says so at start
  const shared = !first.history || first.history.announceOnce !== null;
  const testers: TestersSource = {
    countRedeemed: async (cohort) => {
      const { store } = await connected();
      return (store.testers as TestersSource).countRedeemed(cohort);
    },
    target: redactUrl(database.databaseUrl ?? ''),
  };
  return {
    testers,
    notStoredBecause: first.notStoredBecause,
    notMigrated: false,
    busy: false,
    history: {
      load: async () => {
        const { store } = await connected();
        return store.history ? store.history.load() : null;
      },
      save: async (run, state) => {
        const { store } = await connected();
        if (!store.history) throw new Error(store.notStoredBecause ?? 'verdicts cannot be stored');
        await store.history.save(run, state);
      },
      announceOnce: shared
        ? async (verdict, known, post, signal, waitMs) => {
            // Not waited for: an attempt still connecting (up to connect_timeout, often longer than what is
            // left of the run) would leave no time to post. Not reached: the loop's own memory decides, as
            // in an outage (a change posted twice rather than not at all); the attempt goes on for the store.
            if (!live) connected().catch(() => undefined);
            const once = live?.store.history?.announceOnce;
            if (once) return once(verdict, known, post, signal, waitMs);
            if (verdict === known) return { ok: true, posted: false };
            const alone = await post(known, signal);
            return alone.ok ? { ok: true, posted: true } : alone;
          }
        : null,
    },
    close: async (options) => {
      closed = true;
      const pending = opening?.catch(() => null);
      if (live) await live.store.close(options);
      else await pending;
    },
  };
}

/** A database error for the operator: its stable code first (INVITES_DB_UNREACHABLE …), then the message (URL already redacted). */
function described(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const text = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' ? `${code}: ${text}` : text;
}

async function hasTable(conn: Connection, name: string, answered: () => void): Promise<boolean> {
  const [row] = await conn.rawTransaction(async (tx) => {
    answered();
    const rows = await tx.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [name]);
    answered();
    return rows;
  });
  return Boolean(row?.t);
}

/**
 * The announcement under the database's lock (announceGateVerdictOnce). The
 * post gets what is left of the run (`waitMs`, also the longest wait for the
 * lock); another monitor still holding the lock by then is said as such. A
 * database that fails otherwise (an outage, a server that stopped answering:
 * the answer deadline drops it, the post's own time not counted) does not
 * silence the webhook: this monitor then decides on its own memory, as
 * without the table (a change posted twice is better than a change not
 * posted); a post already made is not made again when only its record failed.
 */
function announceOnce(guarded: Guarded, statementTimeoutMs: number): AnnounceOnce {
  const by = `${hostname()}:${process.pid}`;
  return async (verdict, known, post, signal, waitMs) => {
    let made: { ok: true } | { ok: false; message: string } | undefined;
    try {
      const outcome = await guarded.within(({ outside, answered }) =>
        announceGateVerdictOnce(guarded.conn.db, { verdict, known, by, waitMs, answered }, (previous) =>
          outside(async () => {
            made = await post(previous, signal);
            return made;
          }),
        ),
      );
      if (!outcome.posted) return { ok: true, posted: false };
      return outcome.result.ok ? { ok: true, posted: true } : outcome.result;
    } catch (error) {
      if (made) return made.ok ? { ok: true, posted: true } : made; // posted; only its record failed
      const state = (error as { code?: unknown }).code;
      if (state === '55P03' || state === '57014') {
        // lock_timeout (waitMs), or the connection's statement_timeout (GATE_TIMEOUT_MS) when it is shorter and cut the wait first
        const cutAfterMs = state === '57014' && statementTimeoutMs > 0 ? Math.min(statementTimeoutMs, waitMs) : waitMs;
        return {
          ok: false,
          message: `another monitor of this database was announcing a verdict for more than ${cutAfterMs} ms (it holds the announcement lock): not posted, the next run tries again`,
        };
      }
      if (verdict === known) return { ok: true, posted: false };
      const alone = await post(known, signal);
      return alone.ok ? { ok: true, posted: true } : alone;
    }
  };
}
