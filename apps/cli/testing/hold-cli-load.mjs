// Tests only (early-signal.spec.ts), given to the app through NODE_OPTIONS=--import: holds veza-beta's main thread
// as it loads the last of its command modules (main.ts's './run-cli.js', hold-cli-load-hooks.mjs), so that a spec
// can send a signal at that moment without timing anything. It writes HOLD_CLI_MARKER, then waits until
// HOLD_CLI_GO exists.
import { register } from 'node:module';

if (process.env['HOLD_CLI_MARKER'] && process.env['HOLD_CLI_GO'])
  register('./hold-cli-load-hooks.mjs', import.meta.url, {
    data: { hold: true },
  });
