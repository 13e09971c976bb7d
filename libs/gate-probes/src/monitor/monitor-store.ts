import type { EscalationState } from '../escalate.js';
import type { TestersSource } from '../probes/testers-probe.js';
import type { GateRun, Verdict } from '../types.js';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  announceGateVerdictOnce,
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
  close(): Promise<void>;
}

/**
 * A loop's store that could not reach its PostgreSQL tries again on its next
 * use once this long has passed since the attempt that failed: each run tries
 * once (its stages after the first get that attempt's error at once).
 */
export const RECONNECT_PAUSE_MS = 2_000;

/** How openMonitorStore behaves when the database does not answer at start. */
export interface MonitorStoreOptions {
  /**
   * A loop's store (LOOP=1): a PostgreSQL that does not answer at start is
   * tried again at each use (each run's testers count, store and announcement)
   * until it answers. Without it (a single run) it is given up for the run.
   */
  reconnect?: boolean;
  /** told once when a database that did not answer at start is reached */
  say?: (line: string) => void;
}

/**
 * Opens the given database (DATABASE_URL, else VEZA_DATA_DIR's embedded one);
 * openDatabase bounds the first connection by its connect_timeout. An
 * unreachable database is not fatal: the testers gate reports it as ⚪
 * unavailable and verdicts are not stored — for a single run; a loop's store
 * (`reconnect`) on PostgreSQL tries again at each run until it answers.
 */
export async function openMonitorStore(
  database: OpenOptions | null,
  statementTimeoutMs: number,
  options: MonitorStoreOptions = {},
): Promise<MonitorStore> {
  const none = () => Promise.resolve();
  if (!database)
    return {
      testers: undefined,
      history: null,
      notStoredBecause: 'no database given (DATABASE_URL or VEZA_DATA_DIR)',
      notMigrated: false,
      busy: false,
      close: none,
    };
  let conn: Connection;
  try {
    conn = await openStoreDatabase(database, statementTimeoutMs);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    // A loop started before its PostgreSQL (a host's boot, a compose file, a failover) kept this error for its
    // whole life: testers ⚪ until it turned 🔴 and was posted as NO-GO, nothing stored, with the database long back.
    if (options.reconnect && database.databaseUrl && code === 'INVITES_DB_UNREACHABLE')
      return reconnectingStore(database, statementTimeoutMs, error, options.say);
    const failing: TestersSource = { countRedeemed: () => Promise.reject(error) };
    const busy = code === 'INVITES_DB_BUSY';
    return { testers: failing, history: null, notStoredBecause: described(error), notMigrated: false, busy, close: none };
  }
  return connectedStore(conn, statementTimeoutMs);
}

function openStoreDatabase(database: OpenOptions, statementTimeoutMs: number): Promise<Connection> {
  return openDatabase({ ...database, statementTimeoutMs, maxConnections: 2 });
}

/** The store on an open connection: whether gate_runs and gate_announcements exist decides what it can do. */
async function connectedStore(conn: Connection, statementTimeoutMs: number): Promise<MonitorStore> {
  const close = () => conn.close();
  let ready: boolean;
  try {
    ready = await hasGateRunsTable(conn.db);
  } catch (error) {
    return { testers: conn, history: null, notStoredBecause: (error as Error).message, notMigrated: false, busy: false, close };
  }
  let shared: boolean;
  try {
    shared = await hasTable(conn, 'gate_announcements');
  } catch (error) {
    return { testers: conn, history: null, notStoredBecause: (error as Error).message, notMigrated: false, busy: false, close };
  }
  if (!ready) {
    const why = `the database at ${conn.target} has no gate_runs table; run 'veza-beta db migrate' to store verdicts`;
    return { testers: conn, history: null, notStoredBecause: why, notMigrated: true, busy: false, close };
  }
  return {
    testers: conn,
    notStoredBecause: null,
    notMigrated: false,
    busy: false,
    close,
    history: {
      load: async () => {
        // The newest state of this version's kind: a veza-beta of 2026-11-23 (a teammate's monitor or
        // `gates check`) stores states of version 1, without the ⚪ start times; read as the newest, one
        // started every clock again, and beside a monitor of this version kept a dead probe ⚪ for ever.
        const runs = await listGateRuns<GateRun, EscalationState>(conn.db, { limit: STATE_LOOKBACK });
        return (runs.find((r) => (r.state as { schemaVersion?: unknown } | null)?.schemaVersion === 2) ?? runs[0])?.state ?? null;
      },
      save: async (run, state) => void (await recordGateRun(conn.db, { run, state })),
      announceOnce: shared ? announceOnce(conn, statementTimeoutMs) : null,
    },
  };
}

/**
 * A loop's store while its PostgreSQL has not answered yet: a use (the
 * testers count, loading and storing, the announcement) first tries to open
 * it — one attempt at a time, shared, bounded by its connect_timeout and by
 * the caller's deadline; an attempt that failed less than
 * RECONNECT_PAUSE_MS ago is not made again, its error is (so one run makes
 * one attempt, not one per stage, each up to connect_timeout) — and, once it
 * answers, is the connected store for good (postgres.js reconnects by itself
 * after that). Until then the testers gate is ⚪ unavailable with the
 * database's error, storing fails and is reported, and the announcement
 * decides on the loop's own memory (as in an outage).
 */
function reconnectingStore(
  database: OpenOptions,
  statementTimeoutMs: number,
  firstError: unknown,
  say?: (line: string) => void,
): MonitorStore {
  let live: { conn: Connection; store: MonitorStore } | null = null;
  let opening: Promise<{ conn: Connection; store: MonitorStore }> | null = null;
  let failed = { error: firstError, at: performance.now() };
  let closed = false;
  const connected = (): Promise<{ conn: Connection; store: MonitorStore }> => {
    if (live) return Promise.resolve(live);
    if (closed || (!opening && performance.now() - failed.at < RECONNECT_PAUSE_MS)) return Promise.reject(failed.error);
    opening ??= (async () => {
      try {
        let conn: Connection;
        try {
          conn = await openStoreDatabase(database, statementTimeoutMs);
        } catch (error) {
          failed = { error, at: performance.now() };
          throw error;
        }
        const store = await connectedStore(conn, statementTimeoutMs);
        if (closed) {
          await store.close();
          throw firstError;
        }
        live = { conn, store };
        say?.(
          `the database at ${conn.target} answers now: ${store.notStoredBecause ? `verdicts are still not stored: ${store.notStoredBecause}` : 'verdicts are stored from this run on'}`,
        );
        return live;
      } finally {
        opening = null;
      }
    })();
    return opening;
  };
  const testers: TestersSource = {
    countRedeemed: async (cohort) => countRedeemedInvites((await connected()).conn.db, cohort),
    target: redactUrl(database.databaseUrl ?? ''),
  };
  return {
    testers,
    notStoredBecause: `${described(firstError)} (tried again at each run: verdicts are stored once it answers)`,
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
      announceOnce: async (verdict, known, post, signal, waitMs) => {
        let reached: MonitorStore | null = null;
        try {
          reached = (await connected()).store;
        } catch {
          // not reached yet: the loop's own memory decides, as in an outage (a change posted twice rather than not at all)
        }
        const once = reached?.history?.announceOnce;
        if (once) return once(verdict, known, post, signal, waitMs);
        if (verdict === known) return { ok: true, posted: false };
        const alone = await post(known, signal);
        return alone.ok ? { ok: true, posted: true } : alone;
      },
    },
    close: async () => {
      closed = true;
      const pending = opening?.catch(() => null);
      if (live) await live.store.close();
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

async function hasTable(conn: Connection, name: string): Promise<boolean> {
  const [row] = await conn.rawTransaction((tx) => tx.query<{ t: string | null }>(`SELECT to_regclass($1)::text AS t`, [name]));
  return Boolean(row?.t);
}

/**
 * The announcement under the database's lock (announceGateVerdictOnce). The
 * post gets what is left of the run (`waitMs`, also the longest wait for the
 * lock); another monitor still holding the lock by then is said as such. A
 * database that fails otherwise (an outage) does not silence the webhook:
 * this monitor then decides on its own memory, as without the table (a
 * change posted twice is better than a change not posted); a post already
 * made is not made again when only its record failed.
 */
function announceOnce(conn: Connection, statementTimeoutMs: number): AnnounceOnce {
  const by = `${hostname()}:${process.pid}`;
  return async (verdict, known, post, signal, waitMs) => {
    let made: { ok: true } | { ok: false; message: string } | undefined;
    try {
      const outcome = await announceGateVerdictOnce(conn.db, { verdict, known, by, waitMs }, async (previous) => {
        made = await post(previous, signal);
        return made;
      });
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
