import { resolve } from 'node:path';
import type { Transport } from '@veza/invite-mailer';
import { inviteCodeDigests, sendStates } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { CommandModule } from 'yargs';
import { withDatabase } from '../database.js';
import type { DispatchSummary } from '../dispatch/dispatch-folder.js';
import { findPreparedFolders } from '../dispatch/find-prepared.js';
import { createProgress } from '../dispatch/progress.js';
import { StreamedDispatch, emptySummary, mergeSummaries, notTriedAfterStop } from '../dispatch/streamed-dispatch.js';
import type { PrepareResult } from '../prepare/prepare-invites.js';
import { cliSettings, loadEnv } from '../env.js';
import { printJson } from '../output.js';
import {
  dispatchExitCode,
  dispatchOptions,
  dispatchSettings,
  formatDispatchSummary,
  progressOnTty,
  runDispatch,
} from './invites-dispatch.js';
import type { DispatchArgs } from './invites-dispatch.js';
import { formatPrepareResult, prepareOptions, runPrepare, stopPreparing } from './invites-prepare.js';
import type { PrepareArgs, PrepareStop } from './invites-prepare.js';
import { openTransport } from '../dispatch/open-transport.js';
import { shellWord } from '../shell-word.js';

interface NotFound {
  inviteId: string;
  email: string;
  state: string;
}

/** The file's unsent invites that no folder beside --out lists: they cannot be sent from here. */
async function unsentNowhere(env: NodeJS.ProcessEnv, missing: Map<string, string>): Promise<NotFound[]> {
  if (missing.size === 0) return [];
  const states = await withDatabase(env, (conn) => sendStates(conn.db, [...missing.keys()]));
  return states
    .filter((s) => s.state === 'ready' || s.state === 'claimed' || s.state === 'expired')
    .map((s) => ({ inviteId: s.id, email: missing.get(s.id)!, state: s.state }));
}

/**
 * The seed's send-invitations.sh habit: prepare by default, dispatch as well
 * when SEND=1. The dispatch covers the file's invites wherever they were
 * prepared (out-<today>/ or the folder of an earlier day beside it), so a
 * `SEND=1` run on a later day sends what the first day prepared.
 */
export const invitesSendCommand: CommandModule<object, PrepareArgs & DispatchArgs> = {
  command: 'send <file>',
  describe: "Seed-compatible: prepare, and dispatch the file's invites too when SEND=1",
  builder: (y) =>
    dispatchOptions(prepareOptions(y))
      .example('$0 invites send cohort.csv', 'Step 1: prepare only, review out-<date>/')
      .example(
        'SEND=1 $0 invites send cohort.csv',
        'Step 2 (any day): prepare what is new, and dispatch every unsent invite of the file from the folder it was prepared into',
      ),
  handler: async (args) => {
    const env = loadEnv();
    const sendNow = cliSettings(env).SEND; // every CLI setting checked before anything is prepared (exit 3)
    // With SEND=1, the dispatch settings (--rate, SEND_RATE, FAIL_FAST_AFTER …) and the
    // transport (SEND_CMD or SMTP_URL) are checked before anything is prepared too: a
    // bad one stops the run here, with nothing created, rather than after prepare.
    const settings = sendNow ? dispatchSettings(args, env) : undefined;
    const transport: Transport | undefined = sendNow ? openTransport(env, args.concurrency) : undefined;
    // One graceful stop for the whole run (Ctrl-C, SIGTERM, SIGHUP): prepare finishes its chunk and starts
    // no other, the emails in flight end and are recorded, the claims not tried are given back, and no
    // later folder is dispatched. Without it a Ctrl-C killed the run: no summary, no manifest, every
    // claim taken ahead "unknown".
    const stop = sendNow
      ? stopPreparing(
          'stopping after the emails in flight and the chunk being prepared (they are recorded, the rest stays unprepared or unsent)',
          'the emails in flight are then "unknown" (those claimed ahead and not tried are given back by the next dispatch of the folder)',
        )
      : stopPreparing();
    try {
      await sendFile(args, env, sendNow, settings, transport, stop);
    } finally {
      stop.dispose();
    }
  },
};

async function sendFile(
  args: PrepareArgs & DispatchArgs,
  env: NodeJS.ProcessEnv,
  sendNow: boolean,
  dispatchSettingsChecked: ReturnType<typeof dispatchSettings> | undefined,
  transport: Transport | undefined,
  stop: PrepareStop,
): Promise<void> {
  const signal = stop.signal;
  const settings = dispatchSettingsChecked && { ...dispatchSettingsChecked, signal };
  // SEND=1 on PostgreSQL: each prepared chunk is dispatched while the next one is prepared.
  let stream: StreamedDispatch | undefined;
  const overlap = (conn: Connection, rows: number): StreamedDispatch | undefined => {
    if (!transport || !settings || conn.kind !== 'postgres') return undefined; // the embedded database has one connection: prepare, then dispatch
    stream = new StreamedDispatch(conn, transport, settings, createProgress(rows, { tty: progressOnTty(args, env), quiet: args.json }));
    return stream;
  };
  let prepared: PrepareResult;
  let streamed: DispatchSummary | null = null;
  try {
    // prepare, or the dispatch of a chunk, stopped: the chunks before may have been sent already, say what became of them
    const sayWhatWasSent = () => {
      const early = stream?.summary;
      if (early && !args.json) process.stdout.write(`${formatDispatchSummary(early, args.out ?? 'the prepared folder')}\n`);
    };
    try {
      prepared = await runPrepare(args, env, overlap, stop);
    } catch (error) {
      await stream?.finish().catch(() => null);
      sayWhatWasSent();
      throw error;
    }
    try {
      streamed = (await stream?.finish()) ?? null;
    } catch (error) {
      sayWhatWasSent();
      throw error;
    }
  } finally {
    await transport?.close();
  }
  if (!sendNow) {
    if (args.json) printJson({ prepared, dispatched: null });
    else process.stdout.write(`${formatPrepareResult(prepared)}\nSEND is not 1: nothing was sent.\n`);
    process.exitCode = prepared.interrupted ? 130 : prepared.failed.length > 0 || prepared.lost.length > 0 ? 1 : 0;
    return;
  }
  if (!args.json) process.stdout.write(`${formatPrepareResult(prepared, { dispatched: true })}\n`);

  const emailOf = new Map<string, string>();
  for (const c of prepared.created) emailOf.set(c.inviteId, c.email);
  for (const s of prepared.skipped) if (s.inviteId) emailOf.set(s.inviteId, s.email);
  // for an invite listed in two folders, the digest tells the .eml with its code from one reissued since
  const folders = await findPreparedFolders(prepared.outDir, new Set(emailOf.keys()), (ids) =>
    withDatabase(env, (conn) => inviteCodeDigests(conn.db, ids)),
  );
  const located = new Set([...folders.values()].flatMap((ids) => [...ids]));
  const notFound = await unsentNowhere(env, new Map([...emailOf].filter(([id]) => !located.has(id))));

  const dispatched: (DispatchSummary & { dir: string })[] = [];
  const report = (dir: string, summary: DispatchSummary) => {
    dispatched.push({ dir, ...summary });
    if (!args.json) process.stdout.write(`${formatDispatchSummary(summary, dir)}\n`);
  };
  const handled = stream?.handled ?? new Set<string>();
  const rest = (only: Set<string>) => new Set([...only].filter((id) => !handled.has(id)));
  // fail-fast, or a lost database lock, stopped the dispatch of the chunks: nothing more is tried, as in one dispatch run
  const notTriedAfterChunks =
    streamed &&
    notTriedAfterStop(
      streamed,
      [...folders.values()].reduce((sum, only) => sum + rest(only).size, 0),
    );
  if (streamed && notTriedAfterChunks) report(prepared.outDir, mergeSummaries(streamed, notTriedAfterChunks));
  else {
    let lostBefore = false;
    for (const [dir, only] of folders) {
      const here = streamed !== null && resolve(dir) === resolve(prepared.outDir);
      const left = rest(only);
      // after a dispatch that lost its database lock, no later folder is dispatched: its emails are not tried
      const untried = lostBefore && left.size > 0 ? { ...emptySummary(), total: left.size, lockLost: { notTried: left.size } } : null;
      const summary = lostBefore ? untried : left.size > 0 || !here ? await runDispatch(dir, args, env, left, {}, signal) : null;
      if (summary?.lockLost) lostBefore = true;
      if (here) report(dir, summary ? mergeSummaries(streamed!, summary) : streamed!);
      else if (summary) report(dir, summary);
    }
  }
  if (args.json) printJson({ prepared, dispatched, notFound });
  else if (notFound.length > 0) {
    process.stdout.write(
      [
        `${notFound.length} invite(s) of ${args.file} were prepared earlier, are not sent, and no folder next to ${prepared.outDir} lists them:`,
        ...notFound.slice(0, 20).map((n) => `  not found  ${n.email} (${n.state})`),
        ...(notFound.length > 20 ? [`  … and ${notFound.length - 20} more`] : []),
        `Dispatch the folder they were prepared into ('veza-beta invites dispatch DIR'), or give them new codes, run: veza-beta invites prepare ${shellWord(args.file)} --reissue-unsent --out out-new; then: veza-beta invites dispatch out-new`,
      ].join('\n') + '\n',
    );
  } else if (dispatched.length === 0) {
    process.stdout.write(`No invite of ${args.file} is waiting to be sent.\n`);
  }
  const failed =
    prepared.failed.length > 0 || prepared.lost.length > 0 || notFound.length > 0 || dispatched.some((d) => dispatchExitCode(d) !== 0);
  // a lost lock is 1, never 130 nor 0 (dispatchExitCode)
  const lockLost = dispatched.some((d) => d.lockLost);
  process.exitCode = !lockLost && (prepared.interrupted || dispatched.some((d) => d.interrupted)) ? 130 : failed ? 1 : 0;
}
