#!/usr/bin/env node
// Runs src/main.ts through the shared launcher, which passes SIGTERM/SIGINT/SIGHUP
// on to the app so that it can drain and stop cleanly.
import { fileURLToPath } from 'node:url';
import { launch } from '../../../tools/launch.mjs';

launch(fileURLToPath(new URL('../src/main.ts', import.meta.url)));
