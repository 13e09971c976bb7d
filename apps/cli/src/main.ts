import { hideBin } from 'yargs/helpers';
import { buildCli } from './cli.js';
import { runCli } from './run-cli.js';

process.exitCode = await runCli(buildCli(hideBin(process.argv)));
