import { killRunningSendCmds } from '@veza/invite-mailer';
import { STOP_SIGNALS, ignoreTerminalWriteErrors, ownStop, quitCode } from './early-stop.js';
import type { StopSignal } from './early-stop.js';

export { quitCode } from './early-stop.js';
export type { StopSignal } from './early-stop.js';

/**
 * Ctrl-C, SIGTERM or SIGHUP while emails are sent: the first one stops gracefully
 * (no new email is started; the ones in flight end and are recorded, so none
 * is left "unknown"; the summary is printed); a second one quits at once
 * (what was in flight is then "unknown"). `onStop` runs at the first one.
 *
 * SIGHUP is the operator's terminal going away (an ssh session dropped, the
 * window closed): it stops as Ctrl-C does. Node resets an ignored SIGHUP at
 * start, so `nohup` does not keep a Node process alive; and the terminal is gone,
 * so what is written to it afterwards is lost: a write error (EIO) must not end
 * the process before the claims are given back.
 */
export function gracefulStop(
  onStop: (name: StopSignal) => void = () => undefined,
  stopping = 'stopping after the emails in flight (they are recorded, the rest stays unsent)',
  quitting = 'the emails in flight are then "unknown" (those claimed ahead and not tried are given back by the next dispatch of the folder)',
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let firstAt = 0;
  const onSignal = (name: StopSignal) => {
    // Ctrl-C reaches this process twice within milliseconds (the terminal's group signal and the
    // launcher's, tools/launch.mjs): a repeat within a second is the same Ctrl-C
    if (controller.signal.aborted) {
      if (Date.now() - firstAt >= 1_000) {
        // quitting: the mailers still running are ended too (left behind, nothing would stop them at SEND_TIMEOUT)
        const mailers = killRunningSendCmds('SIGTERM');
        process.stderr.write(
          `\n${name} again: quitting now${mailers > 0 ? ` (${mailers} SEND_CMD still running ended)` : ''}: ${quitting}.\n`,
        );
        process.exit(quitCode[name]);
      }
      return;
    }
    firstAt = Date.now();
    if (name === 'SIGHUP') ignoreTerminalWriteErrors();
    controller.abort();
    onStop(name);
    const again = name === 'SIGINT' ? 'Ctrl-C' : 'the same signal';
    process.stderr.write(`\n${name}: ${stopping}; ${again} again quits now: ${quitting}.\n`);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  const release = ownStop();
  return {
    signal: controller.signal,
    dispose: () => {
      release();
      for (const name of STOP_SIGNALS) process.off(name, onSignal);
    },
  };
}
