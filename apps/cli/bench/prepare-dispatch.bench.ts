/**
 * Prepare + dispatch of an invite batch to a real SMTP sink running in its own
 * process, in interleaved rounds. Each round, on a fresh database:
 *   1. prepare N invites (rows, codes, .eml files, manifest): measured side, part 1;
 *   2. the bare transport baseline: the same N .eml files sent by the same
 *      transport (smtpTransport: nodemailer's SMTPConnection in our sessions, same connection count) to the same
 *      sink, with no database and no bookkeeping;
 *   3. dispatch of the prepared folder: measured side, part 2;
 *   4. (first rounds only, it is slow) the seed's way on N recipients: a
 *      transaction, a render and a SEND_CMD process per recipient.
 * The sink's capacity (many connections, no database) is measured each round
 * too, to show it is not what limits the transport.
 * Then one pass of the per-email steps added one at a time (claim, mark, log)
 * shows where dispatch's time per email goes.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { generateCohortCsv } from '@veza/cohort-validator/testing';
import { validateCohort } from '@veza/cohort-validator';
import { buildInviteEml, compileInviteTemplate } from '@veza/email-templates';
import { claimInvitesForSend, createInvites, digestCode, generateCode, markInviteSent } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { smtpTransport } from '@veza/invite-mailer';
import type { DispatchSummary } from '@veza/invite-mailer';
import { interleavedFigure, median, timeIt } from '@veza/test-support';
import type { BenchFigure, BenchRun } from '@veza/test-support';
import { dispatchFolder } from '../src/dispatch/dispatch-folder.js';
import { readManifest } from '../src/dispatch/manifest.js';
import type { Manifest } from '../src/dispatch/manifest.js';
import { createProgress } from '../src/dispatch/progress.js';
import { StreamedDispatch } from '../src/dispatch/streamed-dispatch.js';
import { FileBatch, WRITES_IN_FLIGHT, writeFileDurably } from '../src/prepare/durable-files.js';
import { PREPARE_CHUNK_ROWS, prepareInvites } from '../src/prepare/prepare-invites.js';
import { startSinkProcess } from './sink.js';
import type { SinkProcess, SinkStats } from './sink.js';

const SETTINGS = {
  frontendUrl: 'https://beta.veza.fr',
  feedbackUrl: 'https://forms.veza.fr/beta',
  discordUrl: 'https://discord.gg/veza',
  from: 'Veza <beta@veza.fr>',
  replyTo: 'team@veza.fr',
  unsubscribe: 'mailto:beta-stop@veza.fr',
};
/** SMTP connections of the dispatcher, and of the bare baseline */
const CONNECTIONS = 4;
/** connections of the blast that measures the sink's capacity */
const BLAST_CONNECTIONS = 16;
/** messages per SMTP session in the tuned run (an operator's `?maxMessages=` for a relay with no cap per connection) */
const TUNED_MAX_MESSAGES = 1000;

/** The seed's SEND_CMD: one process per email reading the .eml on stdin (here it just reads it). */
function sendCmd(eml: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', 'cat > /dev/null'], { stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    child.stdin.end(eml);
  });
}

/** `workers` loops taking the next item until none is left. */
async function pool<T>(items: readonly T[], workers: number, one: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await one(items[next++]!);
    }),
  );
}

/** The bare transport: read each .eml of the folder and send it, CONNECTIONS at a time; nothing else. Returns the time in ms. */
async function bareSend(
  sinkUrl: string,
  dir: string,
  manifest: Manifest,
  extra?: { before?: (id: string) => Promise<void>; after?: (id: string) => Promise<void> | void },
  connections = CONNECTIONS,
): Promise<number> {
  const transport = smtpTransport(sinkUrl, connections);
  try {
    return await timeIt(() =>
      pool(manifest.invites, connections, async (invite) => {
        await extra?.before?.(invite.inviteId);
        // read as dispatch reads it (dispatch-folder.ts): the baseline differs only by the database and the bookkeeping
        const result = await transport.send(readFileSync(join(dir, invite.file)), { from: manifest.mailFrom, to: invite.email });
        if (!result.ok) throw new Error(`bare send refused: ${result.response}`);
        await extra?.after?.(invite.inviteId);
      }),
    );
  } finally {
    await transport.close();
  }
}

/** The sink's capacity: one .eml sent `count` times over BLAST_CONNECTIONS connections. Returns messages per second. */
async function blast(sinkUrl: string, eml: Buffer, from: string, count: number): Promise<number> {
  const transport = smtpTransport(sinkUrl, BLAST_CONNECTIONS);
  try {
    const ms = await timeIt(() =>
      pool(
        Array.from({ length: count }, (_, i) => i),
        BLAST_CONNECTIONS,
        async (i) => {
          const result = await transport.send(eml, { from, to: `blast${i}@example.org` });
          if (!result.ok) throw new Error(`blast refused: ${result.response}`);
        },
      ),
    );
    return (count / ms) * 1000;
  } finally {
    await transport.close();
  }
}

/** CPU share of one core the sink used between two stats readings, over `ms` of wall time. */
const cpuShare = (a: SinkStats, b: SinkStats, ms: number) => (b.cpuMs - a.cpuMs) / ms;

/**
 * CPU time the whole machine has spent busy so far (every process: this one, PostgreSQL, the sink;
 * not idle, not waiting for the disk), ms, from /proc/stat's first line; NaN where there is none.
 */
function machineBusyMs(): number {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal; USER_HZ is 100 on Linux: one tick is 10 ms
    const busy = [0, 1, 2, 5, 6, 7].reduce((sum, i) => sum + Number(ticks[i] ?? 0), 0);
    return busy * 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time this process's main thread (JavaScript's one thread) has spent so far, ms, from
 * /proc/self/task/<pid>/stat (10 ms ticks); NaN where there is none.
 */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime, the 14th and 15th fields of the whole line
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return Number.NaN;
  }
}

/** This process's CPU time so far, ms. */
const ownCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export const run: BenchRun = async (ctx) => {
  const pg = testBackends({ TEST_DATABASE_URL: ctx.databaseUrl }).find((b) => b.name === 'postgres');
  if (!pg) throw new Error('needs the throwaway PostgreSQL (npm run bench starts one)');
  const n = Math.max(200, Math.round(10_000 * ctx.scale));
  const rounds = ctx.scale >= 0.5 ? 3 : 2;
  const seedRounds = 2;
  const csv = generateCohortCsv({ rows: n, seed: 7 }).replace(/,[^,\n]*@veza\.fr$/gm, ',');
  const csvFile = join(ctx.tmpDir, 'cohort.csv');
  writeFileSync(csvFile, csv);
  const validation = await validateCohort(csv, { collectRows: true });
  const rows = validation.value.rows ?? [];
  if (rows.length !== n) throw new Error(`expected ${n} rows, got ${rows.length}`);
  const compiled = await compileInviteTemplate({ settings: SETTINGS });
  const sink: SinkProcess = await startSinkProcess();

  // Each prepare runs as a launch's first send: in a folder with nothing beside it. The rounds mail the same
  // people from fresh databases; with the earlier rounds' folders beside it, prepare took them for people
  // emailed a code a restored database lost (lost-invites.ts) and skipped them all.
  const launchOut = (name: string): string => {
    const parent = join(ctx.tmpDir, name);
    mkdirSync(parent, { mode: 0o700 });
    return join(parent, 'out');
  };

  const prepared = async (
    round: string,
  ): Promise<{ conn: Awaited<ReturnType<typeof openTestDatabase>>; dir: string; manifest: Manifest; prepareMs: number }> => {
    const conn = await openTestDatabase(pg, { maxConnections: 8 });
    const dir = launchOut(`launch-${round}`);
    const prepareMs = await timeIt(() =>
      prepareInvites(conn, compiled, rows, {
        file: csvFile,
        outDir: dir,
        ttlDays: 30,
        reissueUnsent: false,
        previewLimit: 0,
        screenshot: false,
      }),
    );
    return { conn, dir, manifest: readManifest(dir), prepareMs };
  };

  const bareMs: number[] = [];
  const dispatchMs: number[] = [];
  const prepareMs: number[] = [];
  const seedRate: number[] = [];
  const oursRateWithSeed: number[] = [];
  const tunedRateWithSeed: number[] = [];
  const capacity: number[] = [];
  const bareWideMs: number[] = [];
  const clientCpu: number[] = [];
  const sinkCpuPerEmail: number[] = [];
  const bareRateWithSeed: number[] = [];
  const overlapMs: number[] = [];
  /** the machine's busy CPU per email during prepare + dispatch overlapped, ms */
  const overlapBusyPerEmail: number[] = [];
  const tunedMs: number[] = [];
  const sequentialRateWithSeed: number[] = [];
  const sinkCpu = { bare: [] as number[], dispatch: [] as number[], blast: [] as number[] };
  /** the main thread's CPU per email, ms: the bare sends at CONNECTIONS, dispatch */
  const mainCpu = { bare: [] as number[], dispatch: [] as number[] };
  let emlBytes = 0;
  try {
    for (let round = 0; round < rounds; round++) {
      const { conn, dir, manifest, prepareMs: prep } = await prepared(String(round));
      try {
        const first = manifest.invites[0]!;
        const eml = await readFile(join(dir, first.file));
        emlBytes = eml.length;

        const s0 = await sink.stats();
        const c0 = ownCpuMs();
        const m0 = mainThreadCpuMs();
        const bare = await bareSend(sink.url, dir, manifest);
        const m1 = mainThreadCpuMs();
        const c1 = ownCpuMs();
        const s1 = await sink.stats();
        // CPU per email of one send, the client (smtpTransport) and the sink together: what 2 cores can do at most.
        clientCpu.push((c1 - c0) / n);
        sinkCpuPerEmail.push((s1.cpuMs - s0.cpuMs) / n);

        const transport = smtpTransport(sink.url, CONNECTIONS);
        let sent = 0;
        const dispatch = await timeIt(async () => {
          const summary = await dispatchFolder(
            conn,
            dir,
            manifest,
            transport,
            { rate: 1e6, concurrency: CONNECTIONS, retries: 0, retryDelayMs: 0, resendUnknown: false, failFastAfter: 5 },
            createProgress(0, { tty: false, quiet: true }),
          );
          sent = summary.sent;
        });
        await transport.close();
        const m2 = mainThreadCpuMs();
        const s2 = await sink.stats();
        if (sent !== n || s1.messages - s0.messages !== n || s2.messages - s1.messages !== n) {
          throw new Error(
            `round ${round}: dispatch sent ${sent}, sink got ${s1.messages - s0.messages} (bare) and ${s2.messages - s1.messages} (dispatch), expected ${n}`,
          );
        }

        const blastRate = await blast(sink.url, eml, manifest.mailFrom, n);
        const s3 = await sink.stats();
        const bareWide = await bareSend(sink.url, dir, manifest, undefined, BLAST_CONNECTIONS);
        bareWideMs.push(bareWide);

        bareMs.push(bare);
        dispatchMs.push(dispatch);
        prepareMs.push(prep);
        capacity.push(blastRate);
        mainCpu.bare.push((m1 - m0) / n);
        mainCpu.dispatch.push((m2 - m1) / n);
        sinkCpu.bare.push(cpuShare(s0, s1, bare));
        sinkCpu.dispatch.push(cpuShare(s1, s2, dispatch));
        sinkCpu.blast.push(cpuShare(s2, s3, (n / blastRate) * 1000));
        ctx.log(
          `round ${round + 1}: prepare ${Math.round(prep)} ms, bare transport ${Math.round((n / bare) * 1000)}/s (${BLAST_CONNECTIONS} connections: ${Math.round((n / bareWide) * 1000)}/s), dispatch ${Math.round((n / dispatch) * 1000)}/s, sink capacity ${Math.round(blastRate)}/s`,
        );
      } finally {
        await conn.close();
      }

      if (round < seedRounds) {
        // prepare and dispatch overlapped, as `SEND=1 invites send` runs them on PostgreSQL: each chunk is sent while the next is prepared
        const overlapped = async (url: string, connections: number, name: string): Promise<number> => {
          const overConn = await openTestDatabase(pg, { maxConnections: 8 });
          const overTransport = smtpTransport(url, connections);
          try {
            const before = await sink.stats();
            const busyBefore = machineBusyMs();
            let streamed: DispatchSummary | null = null;
            const ms = await timeIt(async () => {
              const stream = new StreamedDispatch(
                overConn,
                overTransport,
                { rate: 1e6, concurrency: connections, retries: 0, retryDelayMs: 0, resendUnknown: false, failFastAfter: 5 },
                createProgress(0, { tty: false, quiet: true }),
              );
              try {
                await prepareInvites(overConn, compiled, rows, {
                  file: csvFile,
                  outDir: launchOut(`launch-${name}-${round}`),
                  ttlDays: 30,
                  reissueUnsent: false,
                  previewLimit: 0,
                  screenshot: false,
                  onChunk: (chunk) => stream.add(chunk),
                });
              } finally {
                await stream.idle();
              }
              streamed = await stream.finish();
            });
            const after = await sink.stats();
            if (name === 'overlap') overlapBusyPerEmail.push((machineBusyMs() - busyBefore) / n);
            const streamedSent = (streamed as DispatchSummary | null)?.sent ?? 0;
            if (streamedSent !== n || after.messages - before.messages !== n)
              throw new Error(
                `round ${round}: ${name} send sent ${streamedSent}, sink got ${after.messages - before.messages}, expected ${n}`,
              );
            return ms;
          } finally {
            await overTransport.close();
            await overConn.close();
          }
        };
        overlapMs.push(await overlapped(sink.url, CONNECTIONS, 'overlap'));
        tunedMs.push(await overlapped(`${sink.url}?maxMessages=${TUNED_MAX_MESSAGES}`, BLAST_CONNECTIONS, 'tuned'));
        ctx.log(
          `round ${round + 1}: prepare + dispatch overlapped ${Math.round((n / overlapMs.at(-1)!) * 1000)}/s (one after the other: ${Math.round((n / (prep + dispatchMs.at(-1)!)) * 1000)}/s; ${BLAST_CONNECTIONS} connections, ?maxMessages=${TUNED_MAX_MESSAGES}: ${Math.round((n / tunedMs.at(-1)!) * 1000)}/s)`,
        );

        const seedConn = await openTestDatabase(pg);
        // as createInvites says in its statement (1001_left_out_guard.sql): no deferred guard per row that this version does not pay
        const sql = postgres(seedConn.url!, { max: 1, connection: { 'veza_beta.knows_left_out': 'on' }, onnotice: () => undefined });
        try {
          const seedMs = await timeIt(async () => {
            for (const row of rows) {
              const code = generateCode();
              const [invite] = await sql.begin(
                (tx) =>
                  tx`INSERT INTO beta_invites (code_digest, email, cohort) VALUES (${digestCode(code)}, ${row.email}, ${row.cohort}) RETURNING id, expires_at`,
              );
              const inviteId = String(invite!['id']);
              const eml = await buildInviteEml(compiled, { email: row.email, cohort: row.cohort, code, expiresAt: new Date(), inviteId });
              await sendCmd(eml);
              await sql`UPDATE beta_invites SET sent_at = now() WHERE id = ${inviteId}`;
            }
          });
          seedRate.push((n / seedMs) * 1000);
          oursRateWithSeed.push((n / overlapMs.at(-1)!) * 1000);
          tunedRateWithSeed.push((n / tunedMs.at(-1)!) * 1000);
          sequentialRateWithSeed.push((n / (prep + dispatchMs.at(-1)!)) * 1000);
          // the fastest the transport alone went this round (4 or 16 connections): no prepare, no database
          bareRateWithSeed.push((n / Math.min(bareMs.at(-1)!, bareWideMs.at(-1)!)) * 1000);
          ctx.log(`round ${round + 1}: seed way ${Math.round((n / seedMs) * 1000)}/s`);
        } finally {
          await sql.end();
          await seedConn.close();
        }
      }
    }

    // Where dispatch's time per email goes: the bare send loop with the per-email steps of dispatch added one at a time.
    ctx.log('per-email steps, added one at a time');
    const ladder: { step: string; ms: number }[] = [{ step: 'send only (bare transport)', ms: median(bareMs) }];
    {
      const { conn, dir, manifest } = await prepared('ladder');
      const raw = postgres(conn.url!, { max: 2, onnotice: () => undefined });
      const reset = () => raw`UPDATE beta_invites SET send_claimed_at = NULL, send_claimed_by = NULL, sent_at = NULL, send_attempts = 0`;
      const claim = async (id: string) => {
        const [claimed] = await claimInvitesForSend(conn.db, [id], 'bench-ladder', 1);
        if (claimed !== id) throw new Error('ladder: claim failed');
      };
      try {
        ladder.push({
          step: '+ claim each email first (one UPDATE … FOR UPDATE SKIP LOCKED per email)',
          ms: await bareSend(sink.url, dir, manifest, { before: claim }),
        });
        await reset();
        ladder.push({
          step: '+ mark each email sent (one UPDATE per email)',
          ms: await bareSend(sink.url, dir, manifest, { before: claim, after: (id) => markInviteSent(conn.db, id) }),
        });
        await reset();
        const log = join(dir, 'ladder.log');
        ladder.push({
          step: '+ a dispatch.log line per email (appendFileSync)',
          ms: await bareSend(sink.url, dir, manifest, {
            before: claim,
            after: async (id) => {
              await markInviteSent(conn.db, id);
              appendFileSync(log, `${new Date().toISOString()}\t${id}\tsomeone@example.org\tsent\t250 OK: message queued\n`, {
                mode: 0o600,
              });
            },
          }),
        });
        ladder.push({
          step: 'dispatch as it is now (claims in batches of 16 claimed ahead, sends recorded with the next claim, one write per dispatch.log line; median of the rounds)',
          ms: median(dispatchMs),
        });
      } finally {
        await raw.end();
        await conn.close();
      }
    }

    // Where prepare's time goes: its steps one at a time on the same rows (one pass each).
    ctx.log("prepare's steps, one at a time");
    const steps: { step: string; ms: number }[] = [];
    {
      const conn = await openTestDatabase(pg, { maxConnections: 8 });
      const emls: Buffer[] = [];
      try {
        const codes: { id: string; code: string; expiresAt: Date }[] = [];
        steps.push({
          step: `createInvites, ${PREPARE_CHUNK_ROWS}-row chunks, one transaction each`,
          ms: await timeIt(async () => {
            for (let start = 0; start < rows.length; start += PREPARE_CHUNK_ROWS) {
              const chunk = rows.slice(start, start + PREPARE_CHUNK_ROWS);
              const outcomes = await conn.db.transaction((tx) =>
                createInvites(
                  tx,
                  chunk.map((r) => ({ email: r.email, cohort: r.cohort, name: r.name, role: r.role })),
                  { chunkSize: chunk.length },
                ),
              );
              for (const o of outcomes) if (o.status === 'created') codes.push({ id: o.id, code: o.code, expiresAt: o.expiresAt });
            }
          }),
        });
        steps.push({
          step: 'render each .eml (in memory)',
          ms: await timeIt(async () => {
            for (const [i, c] of codes.entries())
              emls.push(
                await buildInviteEml(compiled, {
                  email: rows[i]!.email,
                  cohort: rows[i]!.cohort,
                  code: c.code,
                  expiresAt: c.expiresAt,
                  inviteId: c.id,
                }),
              );
          }),
        });
      } finally {
        await conn.close();
      }
      const plainDir = join(ctx.tmpDir, 'steps-plain');
      mkdirSync(plainDir, { mode: 0o700 });
      steps.push({
        step: 'write each file, no flush (writeFileSync, one at a time)',
        ms: await timeIt(() => emls.forEach((eml, i) => writeFileSync(join(plainDir, `${i}.eml`), eml, { mode: 0o600 }))),
      });
      // The folders are removed only after the last step: on a journal-less ext4 (this machine's), creating files
      // within a few minutes of deleting many scans past each recently deleted inode (ext4's recently_deleted), and
      // the step after a removal paid it (prepare measured right after deleting 10,000 files: +20–40% wall, 2–3x the system CPU).
      const flushedDir = join(ctx.tmpDir, 'steps-flushed');
      mkdirSync(flushedDir, { mode: 0o700 });
      steps.push({
        step: `write and flush each file as prepare does (${WRITES_IN_FLIGHT} writes at once, the fsyncs of a ${PREPARE_CHUNK_ROWS}-file chunk together, then the folder)`,
        ms: await timeIt(async () => {
          for (let start = 0; start < emls.length; start += PREPARE_CHUNK_ROWS) {
            const files = new FileBatch(flushedDir);
            for (let i = start; i < Math.min(emls.length, start + PREPARE_CHUNK_ROWS); i++) await files.write(`${i}.eml`, emls[i]!);
            await files.flush();
          }
        }),
      });
      const syncDir = join(ctx.tmpDir, 'steps-sync');
      mkdirSync(syncDir, { mode: 0o700 });
      const sample = Math.min(emls.length, 200);
      const oneByOne = await timeIt(() => emls.slice(0, sample).forEach((eml, i) => writeFileDurably(join(syncDir, `${i}.eml`), eml)));
      steps.push({
        step: `write and fsync each file before the next (the way before, ${sample} files timed, scaled to ${n.toLocaleString('en-US')})`,
        ms: (oneByOne / sample) * emls.length,
      });
      for (const dir of [plainDir, flushedDir, syncDir]) rmSync(dir, { recursive: true, force: true });
    }

    const figures: BenchFigure[] = [
      interleavedFigure({ baseline: bareMs.map((ms) => (n / ms) * 1000), measured: dispatchMs.map((ms) => (n / ms) * 1000) }, 'rate', {
        label: `dispatch ${n.toLocaleString('en-US')} prepared emails`,
        measured: {
          name: `veza-beta dispatch (claims and sent marks in batches, dispatch.log, ${CONNECTIONS} SMTP connections)`,
          unit: 'emails/s',
        },
        baseline: {
          name: `bare transport: the same .eml files, same SMTP transport (${CONNECTIONS} connections), same sink, no database`,
          unit: 'emails/s',
        },
        target: '≥ 0.8x of bare',
        met: (r) => r >= 0.8,
      }),
      interleavedFigure({ baseline: seedRate, measured: oursRateWithSeed }, 'rate', {
        label: `prepare + dispatch ${n.toLocaleString('en-US')} invites`,
        measured: {
          name: `veza-beta, SEND=1 invites send on PostgreSQL (batch insert, compiled template, .eml files flushed per chunk, the chunks committed so far dispatched while the next is prepared, claims, ${CONNECTIONS} SMTP connections)`,
          unit: 'emails/s',
        },
        baseline: { name: 'seed way (a transaction, a render and a SEND_CMD process per recipient)', unit: 'emails/s' },
        target: '≥ 20x faster',
        met: (r) => r >= 20,
      }),
      interleavedFigure({ baseline: seedRate, measured: tunedRateWithSeed }, 'rate', {
        label: `prepare + dispatch ${n.toLocaleString('en-US')} invites, tuned by the operator for a relay with no cap per connection`,
        measured: {
          name: `veza-beta, SEND=1 invites send as above with --concurrency ${BLAST_CONNECTIONS} and SMTP_URL=…?maxMessages=${TUNED_MAX_MESSAGES}`,
          unit: 'emails/s',
        },
        baseline: { name: 'seed way (as above)', unit: 'emails/s' },
      }),
      interleavedFigure({ baseline: seedRate, measured: sequentialRateWithSeed }, 'rate', {
        label: `prepare, then dispatch, ${n.toLocaleString('en-US')} invites (invites prepare, then invites dispatch)`,
        measured: { name: `veza-beta, one command after the other (${CONNECTIONS} SMTP connections)`, unit: 'emails/s' },
        baseline: { name: 'seed way (as above)', unit: 'emails/s' },
      }),
      interleavedFigure({ baseline: seedRate, measured: bareRateWithSeed }, 'rate', {
        label: `ceiling: the transport alone vs the seed way (${n.toLocaleString('en-US')} emails; no prepare and no database on the measured side)`,
        measured: { name: `bare transport, the faster of ${CONNECTIONS} and ${BLAST_CONNECTIONS} connections`, unit: 'emails/s' },
        baseline: { name: 'seed way (as above)', unit: 'emails/s' },
      }),
      interleavedFigure({ baseline: bareMs.map((ms) => (n / ms) * 1000), measured: bareWideMs.map((ms) => (n / ms) * 1000) }, 'rate', {
        label: `more SMTP connections: the bare transport at ${BLAST_CONNECTIONS} vs ${CONNECTIONS} connections (${n.toLocaleString('en-US')} .eml files)`,
        measured: { name: `bare transport (${BLAST_CONNECTIONS} connections)`, unit: 'emails/s' },
        baseline: { name: `bare transport (${CONNECTIONS} connections)`, unit: 'emails/s' },
      }),
      interleavedFigure({ baseline: bareMs.map((ms) => (n / ms) * 1000), measured: capacity }, 'rate', {
        label: `the sink's capacity vs what the bare transport asks of it (${n.toLocaleString('en-US')} messages)`,
        measured: { name: `sink capacity (${BLAST_CONNECTIONS} connections, one .eml, no database)`, unit: 'emails/s' },
        baseline: { name: `bare transport (${CONNECTIONS} connections)`, unit: 'emails/s' },
      }),
    ];
    const perEmail = (ms: number) => (ms / n).toFixed(3);
    // the rate the machine's cores allow at the overlapped run's CPU per email (every process)
    const cores = availableParallelism();
    const busyCap = (cores * 1000) / median(overlapBusyPerEmail);
    return {
      title: 'cli: prepare + dispatch (throwaway PostgreSQL, SMTP sink in its own process)',
      figures,
      notes: [
        `${rounds} rounds, each on a fresh database: prepare ${n.toLocaleString('en-US')} invites, send the same .eml files with the bare transport, dispatch them, measure the sink's capacity; the seed way (${n.toLocaleString('en-US')} recipients) runs in the first ${seedRounds} rounds, and the prepare + dispatch ratio compares each with its own round.`,
        `veza-beta: prepare ${Math.round(median(prepareMs))} ms, dispatch ${Math.round(median(dispatchMs))} ms, both overlapped (SEND=1 invites send) ${Math.round(median(overlapMs))} ms (medians); bare transport ${Math.round(median(bareMs))} ms; average .eml ${Math.round(emlBytes / 1024)} KB.`,
        `CPU per email of the bare transport at ${CONNECTIONS} connections (medians): client (smtpTransport on nodemailer's SMTPConnection, this process) ${median(clientCpu).toFixed(3)} ms, sink ${median(sinkCpuPerEmail).toFixed(3)} ms, together ${(median(clientCpu) + median(sinkCpuPerEmail)).toFixed(3)} ms: with both of this machine's 2 cores given to sending and nothing else running, at most ${Math.round(2000 / (median(clientCpu) + median(sinkCpuPerEmail))).toLocaleString('en-US')} emails/s, ${(2000 / (median(clientCpu) + median(sinkCpuPerEmail)) / median(seedRate)).toFixed(1)}x the seed way's median ${Math.round(median(seedRate))}/s; prepare + dispatch needs ${Math.round(20 * median(seedRate)).toLocaleString('en-US')}/s end to end for 20x.`,
        `The machine's CPU during prepare + dispatch overlapped (every process: veza-beta, PostgreSQL, the sink; from /proc/stat): ${median(overlapBusyPerEmail).toFixed(3)} ms busy per email (medians), so with all ${cores} cores busy and nothing else running at most ${Math.round(busyCap).toLocaleString('en-US')} emails/s, ${(busyCap / median(seedRate)).toFixed(1)}x the seed way's median; it ran at ${Math.round((n / median(overlapMs)) * 1000).toLocaleString('en-US')}/s.`,
        `Sink: an smtp-server process of its own that greets at once (no early-talker pause, see startSmtpSink), counts and discards (bench/smtp-sink-process.ts); its CPU use was ${median(sinkCpu.bare).toFixed(2)} of a core during the bare sends, ${median(sinkCpu.dispatch).toFixed(2)} during dispatch and ${median(sinkCpu.blast).toFixed(2)} during the ${BLAST_CONNECTIONS}-connection blast (medians). Every message counted by the sink: ${n.toLocaleString('en-US')} per side per round.`,
        `Where prepare's time goes, ms for ${n.toLocaleString('en-US')} invites (each step alone, one pass; prepare as a whole: median ${Math.round(median(prepareMs))} ms, UV_THREADPOOL_SIZE ${process.env['UV_THREADPOOL_SIZE'] ?? '4 (default)'}): ${steps.map((st) => `${st.step}: ${Math.round(st.ms)}`).join('; ')}.`,
        `The main thread (JavaScript's one thread, where the transport, the claims' client, the checks and the log all run) spent ${median(mainCpu.bare).toFixed(3)} ms of CPU per email in the bare sends and ${median(mainCpu.dispatch).toFixed(3)} ms in dispatch (medians, /proc/self/task): on its own it caps dispatch at ${Math.round(1000 / median(mainCpu.dispatch)).toLocaleString('en-US')} emails/s, ${(1000 / median(mainCpu.dispatch) / ((n / median(bareMs)) * 1000)).toFixed(2)}x the bare transport's median rate, before any wait; 0.8x needs dispatch's whole wall time per email within ${((median(bareMs) / n) * 1.25).toFixed(3)} ms.`,
        `Where dispatch's time goes, wall ms per email at ${CONNECTIONS} connections (one pass each on ${n.toLocaleString('en-US')} emails; the first four rows are the way dispatch worked before, one step at a time): ${ladder.map((l) => `${l.step}: ${perEmail(l.ms)}`).join('; ')}.`,
        `The seed way's SEND_CMD only reads the message (\`cat > /dev/null\`), which is cheaper than a real msmtp: the baseline is flattered, not the measured side.`,
      ],
    };
  } finally {
    await sink.close();
  }
};
