/**
 * Ctrl-C (or SIGTERM) while emails are sent: the first one stops gracefully
 * (no new email is started; the ones in flight end and are recorded, so none
 * is left "unknown"; the summary is printed); a second one quits at once
 * (what was in flight is then "unknown"). `onStop` runs at the first one.
 */
export function gracefulStop(
  onStop: () => void = () => undefined,
  stopping = 'stopping after the emails in flight (they are recorded, the rest stays unsent)',
): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  let firstAt = 0;
  const onSignal = (name: NodeJS.Signals) => {
    // Ctrl-C reaches this process twice within milliseconds (the terminal's group signal and the
    // launcher's, tools/launch.mjs): a repeat within a second is the same Ctrl-C
    if (controller.signal.aborted) {
      if (Date.now() - firstAt >= 1_000) process.exit(name === 'SIGINT' ? 130 : 143);
      return;
    }
    firstAt = Date.now();
    controller.abort();
    onStop();
    process.stderr.write(
      `\n${name}: ${stopping}; ${name === 'SIGINT' ? 'Ctrl-C' : 'the same signal'} again quits now (those in flight would be "unknown").\n`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
