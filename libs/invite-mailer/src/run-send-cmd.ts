import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { inviteEmlCodes } from '@veza/invite-rules';
import { oneLine } from './transport.js';
import type { SendResult } from './transport.js';

/** sysexits.h EX_TEMPFAIL: the mailer asks to be tried again later. */
const EX_TEMPFAIL = 75;
/**
 * Statuses that speak of the mailer, not of the email: EX_UNAVAILABLE (msmtp: its server cannot be
 * reached, a TLS certificate it does not trust, no AUTH), EX_NOPERM (a login refused), EX_CONFIG (no
 * account), and the shell's "not executable" and "not found". A refused recipient is EX_DATAERR (65) or
 * EX_NOUSER (67): those stay the email's.
 */
const TRANSPORT_FAULTS = new Set([69, 77, 78, 126, 127]);

export interface SendCmdDeadline {
  /** how long one send may take before the command is killed (ms) */
  timeoutMs: number;
  /** between TERM and KILL, and after KILL before giving up on the process (ms) */
  killGraceMs: number;
}

/**
 * The operator's command runs inside a small sh wrapper that tells us, on fd 3,
 * whether the command took the whole message: after the command ends, anything
 * still left on stdin was never read. The wrapper survives a TERM (a trap that
 * does nothing; the command gets the default action), so a command stopped at
 * its deadline is still checked. `$1` is the command, run in a subshell so that
 * its own `exit` ends only the subshell; it does not see fd 3 or 4.
 */
const WRAPPER = [
  "trap 'true' TERM",
  // the command keeps the real stderr (fd 4); the wrapper's own notices ("Terminated") go nowhere
  'exec 4>&2 2>/dev/null',
  '( eval "$1" ) 2>&4 3>&- 4>&-',
  'status=$?',
  'if IFS= read -r rest || [ -n "$rest" ]; then echo "unread $status" >&3; else echo "read $status" >&3; fi',
  'exit $status',
].join('\n');

/**
 * How long after the command has ended (the wrapper exited, its verdict written) we still wait for its
 * output to close. A mailer that leaves a process behind holding stdout or stderr (a delivery agent it
 * forked, `… &`) is answered then, with what it said so far; the process is left to run. Before, each
 * such send waited for SEND_TIMEOUT (60 s an email) and then had that process KILLed.
 */
const EXIT_GRACE_MS = 1_000;

/**
 * What is kept of a command's stdout and stderr (their start): the answer is cut to one line of 300
 * characters anyway. A mailer printing without end (a debug flag, a loop) grew a string until V8's
 * limit (about 512 MB) and crashed the dispatch, its email in flight left unknown.
 */
const OUTPUT_CAP = 64 * 1024;

/** Spawn failures that say this machine is short of something for now, not that SEND_CMD is wrong. */
const LOCAL_SHORTAGE: Record<string, string> = {
  EMFILE: 'too many open files (ulimit -n: lower --concurrency or raise the limit)',
  ENFILE: 'too many open files on this machine',
  EAGAIN: 'too many processes (ulimit -u)',
  ENOMEM: 'out of memory',
};

interface Ended {
  /** the wrapper could not be started: the shortage's words when it is one (the message never left) */
  spawnShortage?: string;
  /** the wrapper's report: the command's status and whether it left part of the message unread */
  verdict: { status: number; unread: boolean } | undefined;
  /** the message was written whole into the command's stdin */
  handedOver: boolean;
  /** the deadline fired (and TERM, maybe KILL, were sent) */
  timedOut: boolean;
  /** the wrapper's own exit, when it did not report */
  exit: string;
  output: string;
}

/** Kills the whole process group (the command was spawned detached: it leads its own group). */
function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** The process groups of the SEND_CMD runs not ended yet (each command leads its own group). */
const running = new Set<number>();

/**
 * Sends `signal` to every SEND_CMD still running, and returns how many there were. For a process
 * that quits at once (a second Ctrl-C): its commands would otherwise go on unsupervised after it,
 * past SEND_TIMEOUT. What they were sending stays "unknown", as after any crash.
 */
export function killRunningSendCmds(signal: NodeJS.Signals = 'SIGTERM'): number {
  for (const pid of running) killGroup(pid, signal);
  return running.size;
}

/** Runs the command once with `eml` on stdin, under the deadline; every timer is cleared before it resolves. */
function runOnce(command: string, env: NodeJS.ProcessEnv, eml: Buffer, deadline: SendCmdDeadline): Promise<Ended> {
  return new Promise((resolve) => {
    const ended: Ended = { verdict: undefined, handedOver: false, timedOut: false, exit: '', output: '' };
    const child = spawn('/bin/sh', ['-c', WRAPPER, 'sh', command], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'], detached: true });
    // Node gives a child that could not get its pipes (EMFILE) no stdio and reports it on the next tick: the
    // listener must be there before anything touches the streams (it crashed the dispatch, its claims left unknown).
    if (!child.stdin || !child.stdout || !child.stderr) {
      child.once('error', (error: NodeJS.ErrnoException) => {
        ended.exit = oneLine(error.message);
        ended.spawnShortage = LOCAL_SHORTAGE[error.code ?? ''];
        resolve(ended);
      });
      return;
    }
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let report = '';
    let exited = false;
    let done = false;
    let deadlinePassed = false;
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      if (done) return;
      done = true;
      if (pid !== undefined) running.delete(pid);
      for (const timer of timers) clearTimeout(timer);
      const match = /^(read|unread) (\d+)$/m.exec(report);
      if (match) ended.verdict = { status: Number(match[2]), unread: match[1] === 'unread' };
      for (const stream of [child.stdin, child.stdout, child.stderr, child.stdio[3]]) stream?.destroy();
      // past the deadline, a member of the group is still alive (it holds our pipes): end whatever the command left behind
      if (deadlinePassed) killGroup(child.pid, 'SIGKILL');
      resolve(ended);
    };
    // read to the end (a mailer blocked on a full pipe would never end), kept up to OUTPUT_CAP
    const keep = (chunk: Buffer) => {
      if (ended.output.length < OUTPUT_CAP)
        ended.output += chunk.toString('utf8', 0, Math.min(chunk.length, OUTPUT_CAP - ended.output.length));
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    (child.stdio[3] as Readable | null)?.on('data', (chunk: Buffer) => (report += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) => {
      ended.exit = oneLine(error.message);
      ended.spawnShortage = LOCAL_SHORTAGE[error.code ?? ''];
      finish();
    });
    child.on('exit', (code, signal) => {
      exited = true;
      ended.exit = code !== null ? `exit ${code}` : `killed by ${signal ?? '?'}`;
      // the command has ended: its output may still be held open by a process it left behind
      timers.push(setTimeout(finish, EXIT_GRACE_MS));
    });
    child.on('close', finish);
    child.stdin.on('finish', () => (ended.handedOver = true));
    child.stdin.on('error', () => undefined); // a mailer that exits early closes its stdin
    child.stdin.end(eml);
    timers.push(
      setTimeout(() => {
        deadlinePassed = true;
        ended.timedOut = !exited;
        // exited but its output is still held open (a leftover background process): what it said is all we get
        if (exited) return finish();
        killGroup(child.pid, 'SIGTERM');
        timers.push(
          setTimeout(() => {
            killGroup(child.pid, 'SIGKILL');
            timers.push(setTimeout(finish, deadline.killGraceMs)); // a process that outlives KILL is abandoned, not waited for
          }, deadline.killGraceMs),
        );
      }, deadline.timeoutMs),
    );
  });
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * One SEND_CMD send: exit 0 after reading the whole message is accepted, 75 is
 * temporary, other exits are permanent failures. A command that did not take
 * the whole message cannot have sent it: failed, even with exit 0. A command
 * that took it and then died by a signal or was killed at its deadline may
 * have sent it: `unknown`, never retried, never counted as sent.
 */
export async function runSendCmd(command: string, env: NodeJS.ProcessEnv, eml: Buffer, deadline: SendCmdDeadline): Promise<SendResult> {
  const ended = await runOnce(command, env, eml, deadline);
  const said = oneLine(ended.output, ended.output ? inviteEmlCodes(eml) : []);
  const detail = said ? `: ${said}` : '';
  const status = ended.verdict?.status;
  // Nothing ran, so nothing was sent: a retry after the delay may find the descriptors or memory free again.
  if (ended.spawnShortage && !ended.handedOver)
    return { ok: false, temporary: true, response: `SEND_CMD could not be started: ${ended.spawnShortage} (${ended.exit}): not sent` };
  // The wrapper did not report (killed by KILL, or failed to start): only what we wrote tells.
  const tookItAll = ended.verdict ? !ended.verdict.unread : ended.handedOver;
  if (ended.timedOut) {
    const why = `SEND_CMD timed out after ${seconds(deadline.timeoutMs)} (SEND_TIMEOUT) and was killed`;
    if (!tookItAll) return { ok: false, temporary: false, response: `${why} before it read the whole message: not sent${detail}` };
    return { ok: false, temporary: false, unknown: true, response: `${why} after it had the whole message: it may have sent it${detail}` };
  }
  if (status === undefined) {
    if (!tookItAll)
      return {
        ok: false,
        temporary: false,
        response: `${ended.exit || 'no exit status'} before it read the whole message: not sent${detail}`,
      };
    return {
      ok: false,
      temporary: false,
      unknown: true,
      response: `SEND_CMD ${ended.exit || 'ended with no exit status'} after it had the whole message: it may have sent it${detail}`,
    };
  }
  if (status === 0 && !tookItAll)
    return { ok: false, temporary: false, response: `exit 0 without reading the whole message: not sent${detail}` };
  if (status === 0) return { ok: true, temporary: false, response: said || 'exit 0' };
  // 128 + n: the shell's status for a command killed by signal n
  if (status > 128 && tookItAll)
    return {
      ok: false,
      temporary: false,
      unknown: true,
      response: `exit ${status} (killed by a signal?) after it had the whole message: it may have sent it${detail}`,
    };
  if (TRANSPORT_FAULTS.has(status)) return { ok: false, temporary: false, transportFault: true, response: `exit ${status}${detail}` };
  return { ok: false, temporary: status === EX_TEMPFAIL, response: `exit ${status}${detail}` };
}
