import { hideBin } from 'yargs/helpers';
import { buildCli } from './cli.js';
import { runCli } from './run-cli.js';

// `veza-beta … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});
process.exitCode = await runCli(buildCli(hideBin(process.argv)));
