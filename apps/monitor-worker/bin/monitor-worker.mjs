#!/usr/bin/env node
// Like tools/launch.mjs (node + tsx + the "@veza/source" condition), but the
// child is spawned asynchronously so that SIGTERM/SIGINT sent to this process
// (systemd, docker stop, Ctrl-C in tmux, a CI cancel) reach the loop, which
// then stops at once and exits with the last verdict's code.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const tsx = pathToFileURL(require.resolve('tsx')).href;
const entry = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const child = spawn(process.execPath, ['--conditions=@veza/source', '--import', tsx, '--no-warnings=ExperimentalWarning', entry, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));
child.on('error', (error) => {
  process.stderr.write(`cannot start ${entry}: ${error.message}\n`);
  process.exit(70);
});
child.on('exit', (code, signal) => {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else process.exit(code ?? 1);
});
