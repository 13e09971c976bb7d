// Tests only (hold-cli-load-hooks.mjs): evaluated on the app's main thread as it loads run-cli, it writes
// HOLD_CLI_MARKER, then holds the thread (no event-loop turn, as a synchronous load) until HOLD_CLI_GO exists,
// a minute at most.
import { existsSync, writeFileSync } from 'node:fs';

const marker = process.env['HOLD_CLI_MARKER'];
const go = process.env['HOLD_CLI_GO'];
if (marker && go) {
  writeFileSync(marker, '');
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let i = 0; i < 6_000 && !existsSync(go); i++) Atomics.wait(sleeper, 0, 0, 10);
}
