// Shared launcher for the apps' bin scripts. Node 20 cannot strip types, so
// re-execute node with tsx loaded and the "@veza/source" export condition
// (which makes @veza/* resolve to their TypeScript sources), from any folder.
//
// Signals and the two processes:
// - the launcher waits for its child and exits with the child's exit code
//   (or dies of the same signal as the child);
// - SIGTERM/SIGINT/SIGHUP sent to the launcher alone are passed on to the child;
// - Ctrl-C in a terminal (or `kill -INT -PGID`) signals both at once: the
//   child then receives the signal twice (the group's and the launcher's), and
//   launch-child.mjs makes it count once;
// - when the launcher dies without passing anything on (`kill -9`), the child
//   sees its IPC channel close and stops as on SIGTERM (drain, close the
//   database, release the embedded database's lock).
import { spawn } from 'node:child_process';
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { forgetTerminalAtExit } from './hangup.mjs';

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/**
 * How long an app that has said its exit code (tools/launch-child.mjs) may
 * take to end before the launcher ends it: what is left after the 'exit'
 * event is Node's teardown, which joins the thread pool, and a pool thread
 * in getaddrinfo waits for the name server's timeouts (5 s × attempts × name
 * servers, minutes with `options timeout:`), in open() of a FIFO for ever.
 * The app wrote its output before its 'exit' event; nothing is lost.
 */
const EXIT_GRACE_MS = 2000;

/**
 * Tests only: VEZA_PREBUILT_DIR names a folder of bundles of the apps, built
 * once per jest run from the same sources (tools/testing/prebuild-apps.mjs),
 * so that a spec's hundred child processes do not each load the sources
 * through tsx. An entry without a bundle runs through tsx as always.
 */
function prebuiltBundle(entryPath) {
  const dir = process.env['VEZA_PREBUILT_DIR'];
  if (!dir) return undefined;
  try {
    return JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))[entryPath];
  } catch {
    return undefined;
  }
}

/**
 * Open files the apps need at least (256): loading one through tsx opens its
 * hundreds of modules a few dozen at a time (under 128 the redemption-api
 * crashed at start with EMFILE on a file in node_modules, which reads as a
 * broken install), and a dispatch needs pipes or sockets per email in flight.
 */
const MIN_OPEN_FILES = 256;

/** This process's limits as Linux lists them (`Max open files  1024  4096  files`…). */
const readLimits = () => readFileSync('/proc/self/limits', 'utf8');

/**
 * A soft limit from `limits()` (`open files`, `address space`…) as a number, or null when there is none
 * ("unlimited") or Linux does not say.
 */
function processLimit(name, limits) {
  let value;
  try {
    value = new RegExp(`^Max ${name}\\s+(\\S+)`, 'm').exec(limits())?.[1];
  } catch {
    return null;
  }
  const number = Number(value);
  return value && value !== 'unlimited' && Number.isFinite(number) ? number : null;
}

/** The warning for an open-file limit below MIN_OPEN_FILES, or null (Linux says it in /proc; Node has already raised the soft limit to the hard one). */
export function openFilesWarning(app, limits = readLimits) {
  const limit = processLimit('open files', limits);
  if (limit === null || limit >= MIN_OPEN_FILES) return null;
  return `${app}: the open-file limit is ${limit} (ulimit -n); below ${MIN_OPEN_FILES}, starting or sending can fail with EMFILE (too many open files): raise it (ulimit -n 4096, LimitNOFILE= in a systemd unit)\n`;
}

/**
 * The address-space limit (`ulimit -v`, `prlimit --as`) in bytes, or null when there is none (or Linux
 * does not say). V8 reserves address space for each WebAssembly memory far beyond what it uses (about
 * 10 GB of guard regions; the TypeScript loader's parser and the embedded database are WebAssembly):
 * under a limit of tens of GB the apps died at start, `RangeError: WebAssembly.instantiate(): Out of
 * memory` after a page of tsx's minified source.
 */
export function addressSpaceLimit(limits = readLimits) {
  return processLimit('address space', limits);
}

/**
 * Under an address-space limit, the child's WebAssembly checks its bounds inline instead of reserving
 * guard regions (`--disable-wasm-trap-handler`, Node ≥ 20.15), and the operator is told that such a
 * limit is the wrong tool: [flags for the child, the warning]. Nothing without a limit.
 */
export function addressSpaceAdvice(app, limits, flagKnown = process.allowedNodeEnvironmentFlags.has('--disable-wasm-trap-handler')) {
  const limit = addressSpaceLimit(limits);
  if (limit === null) return { flags: [], warning: null };
  const size = `${(limit / 2 ** 30).toFixed(1)} GiB`;
  return {
    flags: flagKnown ? ['--disable-wasm-trap-handler'] : [],
    warning:
      `${app}: the address-space limit is ${size} (ulimit -v, prlimit --as): Node's WebAssembly (the TypeScript loader, the embedded database) ` +
      `reserves far more address space than the memory it uses, and can fail under such a limit with "out of memory" errors: ` +
      `remove it (ulimit -v unlimited) and cap the memory with a cgroup instead (systemd-run --scope -p MemoryMax=2G …, docker run --memory 2g)\n`,
  };
}

/** True when this user can create files in the temporary folder (TMPDIR, else /tmp). */
function tmpdirWritable() {
  try {
    const dir = tmpdir();
    if (!statSync(dir).isDirectory()) return false;
    accessSync(dir, constants.W_OK | constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function launch(entryPath) {
  // The launcher's own lines (the open-file warning, a child that cannot start) on a stderr that cannot be
  // written (2> /dev/full, a reader gone): dropped. With no listener the error killed the launcher, exit 1,
  // and its child, told by its IPC channel, stopped as on SIGTERM in the middle of the command. The app
  // says what it loses of its own output (apps/cli/src/closed-output.ts).
  process.stderr.on('error', () => undefined);
  const app = basename(process.argv[1] ?? entryPath).replace(/\.m?js$/, '');
  // A working directory deleted under the shell (cd /tmp/x; rm -r /tmp/x) failed in the child's loader,
  // a stack trace from esbuild's process.cwd().
  try {
    process.cwd();
  } catch (error) {
    process.stderr.write(
      `${app}: the working directory is gone (${error.code ?? error.message}: deleted or moved away after the shell entered it): cd to a folder that exists, then run the command again\n`,
    );
    process.exit(3);
  }
  // one read of /proc/self/limits for both checks
  let limitsText;
  const limits = () => (limitsText ??= readLimits());
  const warning = openFilesWarning(app, limits);
  if (warning) process.stderr.write(warning);
  const addressSpace = addressSpaceAdvice(app, limits);
  if (addressSpace.warning) process.stderr.write(addressSpace.warning);
  // The TypeScript loader keeps a cache in TMPDIR and died at start (a stack trace) when it could not create it
  // there (TMPDIR missing, read-only, another user's); as root it created a missing TMPDIR. Without a usable
  // one it runs without that cache.
  if (!tmpdirWritable()) process.env['TSX_DISABLE_CACHE'] = '1';
  const watchParent = new URL('./launch-child.mjs', import.meta.url).href;
  const bundle = prebuiltBundle(entryPath);
  // A test bundle runs with V8's baseline wasm compiler only: a short-lived
  // child would otherwise spend about 0.3 s of CPU optimizing PGlite's 8 MB
  // module in the background, some hundred times a test run. Same behaviour.
  const loader = bundle ? [] : ['--conditions=@veza/source', '--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];
  const child = spawn(
    process.execPath,
    [
      ...loader,
      ...(bundle ? ['--liftoff-only'] : []),
      ...addressSpace.flags,
      '--import',
      watchParent,
      '--no-warnings=ExperimentalWarning',
      bundle ?? entryPath,
      ...process.argv.slice(2),
    ],
    // fd 3 is an IPC channel: its end tells the child that the launcher is gone, even after kill -9.
    { stdio: ['inherit', 'inherit', 'inherit', 'ipc'], serialization: 'json' },
  );
  const forward = (signal) => {
    if (signal === 'SIGHUP') forgetTerminalAtExit(); // the terminal is gone: see tools/hangup.mjs
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of SIGNALS) process.on(signal, forward);
  // Started by another app with an IPC channel (the demo starts the redemption-api so): when that
  // app dies, even by kill -9, the channel closes and the app here stops as on SIGTERM; it was left
  // running for ever, holding its port and the embedded database.
  if (process.channel) {
    process.channel.unref();
    process.once('disconnect', () => forward('SIGTERM'));
  }
  child.on('error', (error) => {
    process.stderr.write(`cannot start ${entryPath}: ${error.message}\n`);
    process.exit(70);
  });
  let said = null;
  let held = null;
  child.on('message', (message) => {
    const code = message?.exiting;
    if (!Number.isInteger(code) || held) return;
    said = code;
    held = setTimeout(() => {
      process.stderr.write(
        `${app}: the process had decided its exit code (${code}) but did not end within ${EXIT_GRACE_MS / 1000} s: a system call was still pending in Node's thread pool (a DNS lookup no name server answered, a file on a hung disk); ended\n`,
      );
      child.kill('SIGKILL');
    }, EXIT_GRACE_MS);
    held.unref();
  });
  child.on('exit', (code, signal) => {
    if (held) clearTimeout(held);
    // Ended by the launcher after it said its code: that code, not the SIGKILL.
    if (signal === 'SIGKILL' && said !== null) process.exit(said);
    if (signal) {
      for (const s of SIGNALS) process.removeListener(s, forward);
      process.kill(process.pid, signal);
      // A signal Node cannot die of by default (it has a handler elsewhere) still ends the launcher.
      setTimeout(() => process.exit(128 + 1), 1000).unref();
    } else process.exit(code ?? 1);
  });
}
