import { readdirSync, readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import { interleave, interleavedFigure, median, ratioOf, timeIt } from '@veza/test-support';
import type { BenchRun } from '@veza/test-support';
import { digestCanonicalCode as digestCode } from '../src/code.js';
import { createInvites, generateCode, openDatabase, redeemInvite } from '../src/index.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import { startDurablePostgres } from './durable-postgres.js';

/**
 * The baselines' raw inserts (COPY, one transaction per row) say what createInvites says in its statement
 * (1001_left_out_guard.sql): a writer that knows of beta_invite_left_out. Without it each of their rows queues
 * the guard's deferred check, work createInvites does not do, and the ratios would flatter it.
 */
const AS_THIS_VERSION = { 'veza_beta.knows_left_out': 'on' };

const rowsFor = (n: number, prefix: string) =>
  Array.from({ length: n }, (_, i) => ({ email: `${prefix}${i}@bench.example.org`, cohort: `cohort-${i % 7}` }));

/** CPU time and time runnable but waiting for a CPU (the run queue), in ms, of one task, from Linux's /proc/<task>/schedstat. */
function taskTimes(task: string): { cpu: number; wait: number } {
  const [run, queued] = readFileSync(`/proc/${task}/schedstat`, 'utf8').split(' ').map(Number);
  return { cpu: run! / 1e6, wait: queued! / 1e6 };
}

/**
 * CPU and run-queue wait (ms) of this process (every thread: the main one, the garbage collector's and libuv's)
 * and, apart, of the given server backends; undefined where there is no /proc/<pid>/schedstat.
 */
function schedTimes(
  backendPids: readonly number[],
): { client: { cpu: number; wait: number }; server: { cpu: number; wait: number } } | undefined {
  try {
    const sum = (tasks: string[]) =>
      tasks.map(taskTimes).reduce((a, b) => ({ cpu: a.cpu + b.cpu, wait: a.wait + b.wait }), { cpu: 0, wait: 0 });
    return { client: sum(readdirSync('/proc/self/task').map((t) => `self/task/${t}`)), server: sum(backendPids.map(String)) };
  } catch {
    return undefined;
  }
}

/** Per side of a comparison, one entry per round: CPU and run-queue wait per row (ms), client and server together and apart. */
interface SideTimes {
  cpu: number[];
  wait: number[];
  clientCpu: number[];
  clientWait: number[];
  serverCpu: number[];
  serverWait: number[];
}

const sideTimes = (): SideTimes => ({ cpu: [], wait: [], clientCpu: [], clientWait: [], serverCpu: [], serverWait: [] });

/** Runs `work` and adds its CPU and run-queue wait per row (this process and `backendPids`) to `side`; returns its wall time in ms. */
async function timedSide(side: SideTimes, backendPids: readonly number[], rows: number, work: () => Promise<unknown>): Promise<number> {
  const before = schedTimes(backendPids);
  const ms = await timeIt(work);
  const after = schedTimes(backendPids);
  if (before && after) {
    const client = { cpu: (after.client.cpu - before.client.cpu) / rows, wait: (after.client.wait - before.client.wait) / rows };
    const server = { cpu: (after.server.cpu - before.server.cpu) / rows, wait: (after.server.wait - before.server.wait) / rows };
    side.clientCpu.push(client.cpu);
    side.clientWait.push(client.wait);
    side.serverCpu.push(server.cpu);
    side.serverWait.push(server.wait);
    side.cpu.push(client.cpu + server.cpu);
    side.wait.push(client.wait + server.wait);
  }
  return ms;
}

export const run: BenchRun = async (ctx) => {
  const pg = testBackends({ TEST_DATABASE_URL: ctx.databaseUrl }).find((b) => b.name === 'postgres');
  if (!pg) throw new Error('needs the throwaway PostgreSQL (npm run bench starts one)');
  const n = Math.max(1000, Math.round(100_000 * ctx.scale));
  const perRowN = Math.max(200, Math.round(5_000 * ctx.scale));
  // On the durable server the per-row way manages about a hundred rows a second on a busy disk.
  const durableN = Math.max(200, Math.round(1_000 * ctx.scale));
  const redeemN = Math.max(500, Math.round(10_000 * ctx.scale));
  const rounds = ctx.scale >= 0.5 ? 4 : 2;
  const conn = await openTestDatabase(pg, { maxConnections: 50 });
  const sql = postgres(conn.url!, { max: 50, connection: AS_THIS_VERSION, onnotice: () => undefined });
  let batch = 0;
  const nextPrefix = (side: string) => `${side}${batch++}-`;
  try {
    /**
     * Interleaved rounds on one server: the seed's one transaction per row, then createInvites, on fresh rows of the same count.
     * With `times`, each side's CPU and run-queue wait per row (this process and the database's backends, from `backends()`).
     */
    const perRowVsBatch = async (
      db: typeof conn.db,
      raw: typeof sql,
      count: number,
      sideRounds = rounds,
      times?: { backends: () => Promise<number[]>; seed: SideTimes; batch: SideTimes },
    ) => {
      const seedWay = (rows: ReturnType<typeof rowsFor>) => async () => {
        for (const row of rows)
          await raw.begin(
            (tx) =>
              tx`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digestCode(generateCode())}, ${row.email}, ${row.cohort})`,
          );
      };
      const timed = async (side: SideTimes | undefined, f: () => Promise<unknown>) => {
        const ms = side && times ? await timedSide(side, await times.backends(), count, f) : await timeIt(f);
        return (count / ms) * 1000;
      };
      // Neither side's first round pays for opening its connections (createInvites' pool opens its second one
      // on its first call) or for the server's first inserts into the table: one untimed pass of each first.
      await seedWay(rowsFor(Math.min(count, 100), nextPrefix('warm')))();
      await createInvites(db, rowsFor(count, nextPrefix('warm')));
      return interleave(sideRounds, {
        baseline: () => timed(times?.seed, seedWay(rowsFor(count, nextPrefix('seed')))),
        measured: () => timed(times?.batch, () => createInvites(db, rowsFor(count, nextPrefix('small')))),
      });
    };

    // The durable comparison is short (a round is about 1.5 s on a quiet machine): twice the rounds, for a steadier median.
    const durableRounds = 2 * rounds;
    ctx.log(`${durableRounds} rounds on a server with fsync on: one transaction per row vs createInvites, ${durableN} rows each`);
    const durable = await startDurablePostgres();
    let perRowDurable: Awaited<ReturnType<typeof perRowVsBatch>>;
    const durableTimes = { seed: sideTimes(), batch: sideTimes() };
    try {
      const durablePg = testBackends({ TEST_DATABASE_URL: durable.url }).find((b) => b.name === 'postgres')!;
      const durableConn = await openTestDatabase(durablePg, { maxConnections: 10 });
      const durableSql = postgres(durableConn.url!, { max: 2, connection: AS_THIS_VERSION, onnotice: () => undefined });
      try {
        const [setting] = await durableSql<{ fsync: string }[]>`SHOW fsync`;
        if (setting?.fsync !== 'on') throw new Error(`the durable server runs with fsync ${setting?.fsync}`);
        // every client backend of the bench's database: the seed way's connection, createInvites' pool (and the asking one, idle meanwhile); not autovacuum's workers, which come and go
        const backends = async () =>
          (
            await durableSql<
              { pid: number }[]
            >`SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()`
          ).map((r) => r.pid);
        perRowDurable = await perRowVsBatch(durableConn.db, durableSql, durableN, durableRounds, { backends, ...durableTimes });
      } finally {
        await durableSql.end();
        await durableConn.close();
      }
    } finally {
      await durable.stop();
    }

    ctx.log(`${rounds} rounds with fsync off: one transaction per row vs createInvites, ${perRowN} rows each`);
    const perRow = await perRowVsBatch(conn.db, sql, perRowN);

    ctx.log(`${rounds} rounds: COPY vs createInvites, ${n} rows each`);
    // every client backend of the bench's database: COPY's connection, createInvites' pool (and idle ones)
    const backends = async () =>
      (
        await sql<
          { pid: number }[]
        >`SELECT pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND datname = current_database()`
      ).map((r) => r.pid);
    const copyTimes = { copy: sideTimes(), batch: sideTimes() };
    const copy = await interleave(rounds, {
      baseline: async () => {
        const prefix = nextPrefix('copy');
        return timedSide(copyTimes.copy, await backends(), n, async () => {
          const lines = rowsFor(n, prefix).map((row) => `${digestCode(generateCode())}\t${row.email}\t${row.cohort}\n`);
          const writable = await sql`COPY beta_invites (code_digest, email, cohort) FROM STDIN`.writable();
          await pipeline(Readable.from(lines), writable);
        });
      },
      measured: async () => {
        const prefix = nextPrefix('batch');
        return timedSide(copyTimes.batch, await backends(), n, () => createInvites(conn.db, rowsFor(n, prefix)));
      },
    });

    ctx.log(
      `${rounds} rounds: redeem ${redeemN} codes, 50 concurrent clients, raw UPDATE vs redeemInvite${ctx.underLoad ? '' : ' (and redeemInvite with prepare: false)'}`,
    );
    const redeemConn = await openDatabase({ databaseUrl: conn.url, maxConnections: 50 });
    const freshCodes = async (count = redeemN) =>
      (await createInvites(conn.db, rowsFor(count, nextPrefix('redeem')))).map((o) => (o.status === 'created' ? o.code : ''));
    /** Redeems `codes` with 50 workers; the rate, and this process's CPU per redeem (the client's cost, which load hardly moves). */
    const concurrently = async (codes: string[], one: (code: string) => Promise<unknown>, cpu: number[]) => {
      let next = 0;
      const worker = async () => {
        while (next < codes.length) await one(codes[next++]!);
      };
      const cpu0 = process.cpuUsage();
      const ms = await timeIt(() => Promise.all(Array.from({ length: 50 }, worker)));
      const used = process.cpuUsage(cpu0);
      cpu.push((used.user + used.system) / codes.length);
      return (codes.length / ms) * 1000;
    };
    let missed = 0;
    const bareRedeem = async (code: string) => {
      const rows = await sql.unsafe(REDEEM_SQL, [digestCode(code)], { prepare: true });
      if (rows.length !== 1) missed++;
    };
    const ourRedeem = (options: { prepare?: boolean }) => async (code: string) => {
      if (!(await redeemInvite(redeemConn.db, code, null, options)).ok) missed++;
    };
    // Both pools warm before the first round: 50 open connections each and the statement prepared on them,
    // so that no round pays connection setup on one side only (redeemConn is new here, sql has served the inserts).
    const discard: number[] = [];
    await concurrently(await freshCodes(500), bareRedeem, discard);
    await concurrently(await freshCodes(500), ourRedeem({}), discard);
    const cpu = { bare: [] as number[], ours: [] as number[], unprepared: [] as number[], unpreparedBare: [] as number[] };
    let pools: { bare: string[]; ours: string[] } = { bare: [], ours: [] };
    const redeem = await interleave(
      rounds,
      {
        baseline: () => concurrently(pools.bare, bareRedeem, cpu.bare),
        measured: () => concurrently(pools.ours, ourRedeem({}), cpu.ours),
      },
      async () => {
        pools = { bare: await freshCodes(), ours: await freshCodes() };
      },
    );
    // The PgBouncer setting's cost: the same against the same baseline, in a shorter series of its own (skipped in the busy run).
    const unpreparedN = Math.max(500, Math.round(redeemN / 4));
    const unprepared = ctx.underLoad
      ? undefined
      : await interleave(
          2,
          {
            baseline: () => concurrently(pools.bare, bareRedeem, cpu.unpreparedBare),
            measured: () => concurrently(pools.ours, ourRedeem({ prepare: false }), cpu.unprepared),
          },
          async () => {
            pools = { bare: await freshCodes(unpreparedN), ours: await freshCodes(unpreparedN) };
          },
        );
    await redeemConn.close();
    if (missed > 0) throw new Error(`${missed} redeems of fresh codes did not redeem`);
    // CPU per redeem: "baseline / measured", so that above 1 means cheaper than the bare statement, as for rates.
    const cpuFigure = (bare: number[], ours: number[], label: string, name: string) => {
      const f = interleavedFigure({ baseline: ours, measured: bare }, 'rate', {
        label,
        measured: { name: 'bare', unit: 'µs/redeem' },
        baseline: { name, unit: 'µs/redeem' },
      });
      return { ...f, measured: { ...f.baseline, name }, baseline: { ...f.measured, name: 'bare UPDATE … RETURNING (raw SQL, prepared)' } };
    };

    const fsyncOff = ratioOf(perRow.measured.map((m, i) => m / perRow.baseline[i]!));
    /** One side of the COPY comparison per 1,000 rows: wall, CPU (this process, the server), waits, and the cores it kept busy. */
    const copySide = (t: SideTimes, wallMs: number[]) => {
      const ms = (xs: number[]) => (median(xs) * 1000).toFixed(0);
      const cores = median(wallMs.map((w, i) => (t.cpu[i]! * n) / w)).toFixed(2);
      return `${(median(wallMs) * (1000 / n)).toFixed(0)} ms of wall time, ${ms(t.cpu)} ms of CPU (this process ${ms(t.clientCpu)}, the server ${ms(t.serverCpu)}), ${cores} cores busy on average, ${ms(t.wait)} ms runnable but waiting for a CPU (this process ${ms(t.clientWait)}, the server ${ms(t.serverWait)})`;
    };
    // every COPY round measured on both sides (no /proc/<pid>/schedstat, or a thread gone mid-round: none)
    const copyMeasured = copyTimes.copy.cpu.length === rounds && copyTimes.batch.cpu.length === rounds;
    const copyCpu = ratioOf(copyTimes.batch.cpu.map((c, i) => c / copyTimes.copy.cpu[i]!));
    return {
      title: 'invites-db: creating and redeeming invites (throwaway PostgreSQL)',
      figures: [
        interleavedFigure(perRowDurable, 'rate', {
          label: `create ${durableN.toLocaleString('en-US')} invites per round, per-row failure isolation kept (server with fsync on, as in production)`,
          measured: { name: 'createInvites (two INSERTs in flight)', unit: 'rows/s' },
          baseline: { name: 'seed way: one transaction per row', unit: 'rows/s' },
          target: '≥ 20x faster',
          met: (r) => r >= 20,
        }),
        interleavedFigure(copy, 'time-slower', {
          label: `create ${n.toLocaleString('en-US')} invites per round`,
          measured: { name: 'createInvites', unit: 'ms' },
          baseline: { name: 'COPY of the same number of rows', unit: 'ms' },
          target: '≤ 3x the COPY time',
          met: (r) => r <= 3,
        }),
        ...(copyMeasured
          ? [
              interleavedFigure(
                { baseline: copyTimes.copy.cpu.map((ms) => ms * 1000), measured: copyTimes.batch.cpu.map((ms) => ms * 1000) },
                'time-slower',
                {
                  label: `create ${n.toLocaleString('en-US')} invites: CPU per row, this process and the database's backends (measured / baseline)`,
                  measured: { name: 'createInvites', unit: 'µs/row' },
                  baseline: { name: 'COPY of the same number of rows', unit: 'µs/row' },
                },
              ),
            ]
          : []),
        interleavedFigure(redeem, 'rate', {
          label: `redeem ${redeemN.toLocaleString('en-US')} fresh codes per round, 50 concurrent clients`,
          measured: { name: 'redeemInvite (drizzle, prepared: UPDATE … RETURNING, state lookup when nothing matched)', unit: 'redeems/s' },
          baseline: { name: 'bare UPDATE … RETURNING (raw SQL, prepared)', unit: 'redeems/s' },
        }),
        cpuFigure(cpu.bare, cpu.ours, 'redeem: client CPU per redeem (baseline / measured)', 'redeemInvite (prepared)'),
        ...(unprepared
          ? [
              interleavedFigure(unprepared, 'rate', {
                label: `redeem ${unpreparedN.toLocaleString('en-US')} fresh codes per round, 50 concurrent clients, redeemInvite with prepare: false (PgBouncer in transaction mode)`,
                measured: { name: 'redeemInvite (prepare: false: built and sent unprepared)', unit: 'redeems/s' },
                baseline: { name: 'bare UPDATE … RETURNING (raw SQL, prepared)', unit: 'redeems/s' },
              }),
              cpuFigure(
                cpu.unpreparedBare,
                cpu.unprepared,
                'redeem with prepare: false: client CPU per redeem (baseline / measured)',
                'redeemInvite (prepare: false)',
              ),
            ]
          : []),
      ],
      notes: [
        `One transaction per row vs createInvites: PostgreSQL commits a transaction only once its WAL is flushed to the disk (fsync on, synchronous_commit on: the defaults, and how the seed's database runs), so the seed's way pays one disk flush per row and createInvites one per 1,000-row chunk. The throwaway server of the tests and of the other figures runs with fsync off (tools/with-postgres.sh -F), where a commit costs no flush and the per-row way is bound by round trips and CPU instead; the target row runs both sides on a second throwaway server with fsync on (PG_FSYNC=on), ${durableN.toLocaleString('en-US')} fresh rows per side per round; the same comparison on the fsync-off server is in the next note.`,
        `Without the flush (the fsync-off server, ${perRowN.toLocaleString('en-US')} rows per side per round, ${rounds} interleaved rounds): createInvites ${Math.round(median(perRow.measured)).toLocaleString('en-US')} rows/s, one transaction per row ${Math.round(median(perRow.baseline)).toLocaleString('en-US')} rows/s, ${fsyncOff.ratio.toFixed(1)}x (${fsyncOff.spread.min.toFixed(1)}–${fsyncOff.spread.max.toFixed(1)}). Not a target row: there the per-row way is bound by round trips and the batch by CPU, so the machine's load moves this ratio (by 1.3–1.5x between a quiet and a busy run), which is why the target is measured as production runs.`,
        ...(durableTimes.seed.wait.length > 0
          ? [
              `Why the machine's load moves the fsync-on ratio (per row, medians of the rounds; CPU and run-queue wait summed over this process's threads and the database's backends, from /proc/<pid>/schedstat): one transaction per row ${(1000 / median(perRowDurable.baseline)).toFixed(3)} ms of wall time, ${median(durableTimes.seed.cpu).toFixed(3)} ms of CPU, ${median(durableTimes.seed.wait).toFixed(3)} ms runnable but waiting for a CPU; createInvites ${(1000 / median(perRowDurable.measured)).toFixed(3)} ms of wall time, ${median(durableTimes.batch.cpu).toFixed(3)} ms of CPU, ${median(durableTimes.batch.wait).toFixed(3)} ms waiting (its two INSERTs run at once, so its sums can exceed its wall time). The per-row way makes three round trips a row (BEGIN, INSERT, COMMIT), each waking this process and the backend in turn: on a busy machine every wake-up waits for a core, and that wait is paid 6,000 times per 1,000 rows against about a dozen for createInvites, which only gets less of the CPU. The seed's way is latency-bound and the batch is CPU-bound: load slows the first much more, so this ratio is not expected to hold within 20% between a quiet and a busy machine.`,
            ]
          : []),
        ...(copyMeasured
          ? [
              `Why the machine's load moves the COPY ratio (per 1,000 rows, medians of the rounds; CPU and run-queue wait from /proc/<pid>/schedstat, of this process's threads and of the database's backends): COPY ${copySide(copyTimes.copy, copy.baseline)}; createInvites ${copySide(copyTimes.batch, copy.measured)}. createInvites uses ${copyCpu.ratio.toFixed(2)}x the CPU of COPY (the next row): INSERT … SELECT … ON CONFLICT writes a row at a time (a heap insert, its WAL record and a speculative check of the email index) where COPY writes rows a page at a time, and the RETURNING rows come back to be read. On an idle machine createInvites' two INSERTs run on the two cores at once against COPY's one stream, so it keeps more cores busy; with no idle core that parallelism wins nothing and each side's wall time tends to its CPU. The wall-time ratio therefore moves with the machine's idle cores, towards the CPU ratio on a busy machine; the CPU ratio is the one that load hardly moves.`,
            ]
          : []),
        `Every figure: ${rounds} interleaved rounds (${durableRounds} for the fsync-on comparison, whose rounds are short), baseline then measured, each on its own fresh rows of the same count; ratio = median of the per-round ratios. Before the per-row comparisons, one untimed pass of each side (${Math.min(durableN, 100)} rows one per transaction, ${durableN.toLocaleString('en-US')} through createInvites), so that no timed round opens connections. Against COPY both sides write ${n.toLocaleString('en-US')} rows a round.`,
        `Codes generated and digested (the same functions) inside every timed section. createInvites keeps two INSERTs in flight (two of 500 rows for 1,000 rows, of 1,000 rows from 2,000 rows on). The table grows over the rounds (${(rounds * (2 * perRowN + 2 * n + 2 * redeemN) + (ctx.underLoad ? 0 : 4 * unpreparedN) + 2_000 + Math.min(perRowN, 100) + perRowN).toLocaleString('en-US')} rows in the end; the durable server's table ${(durableRounds * 2 * durableN + Math.min(durableN, 100) + durableN).toLocaleString('en-US')}); both sides of a round see the same table.`,
        "Redeem baseline: the same UPDATE … RETURNING as redeemInvite issues, sent as a prepared statement through postgres.js (a pool of 50, as redeemInvite's). redeemInvite sends it prepared too (drizzle .prepare() with placeholders, built once per database object); with prepare: false it is built by drizzle and sent unprepared on every call (the PgBouncer setting, measured in a shorter series of its own: 2 rounds of a quarter of the codes, quiet run only).",
        "Both pools are warmed (500 redeems each, not timed) before the first round, so that neither side pays connection setup or statement preparation in a timed round. Client CPU per redeem is this process's CPU time (user + system) over the round divided by the redeems: the database server's work is not in it, and load on the machine moves it much less than throughput.",
      ],
    };
  } finally {
    await sql.end();
    await conn.close();
  }
};

const REDEEM_SQL =
  'UPDATE beta_invites SET used_at = now(), used_by = NULL WHERE code_digest = $1 AND used_at IS NULL AND revoked_at IS NULL AND expires_at > now() RETURNING id, email, cohort, expires_at, used_at, revoked_at';
