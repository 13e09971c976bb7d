#!/usr/bin/env node
import { fileURLToPath } from 'node:url';
import { launch } from '../../../tools/launch.mjs';

// prepare creates, writes and fsyncs its .eml files on libuv's thread pool, a
// few at once: 16 threads (Node's default is 4) let the waits of a busy disk
// overlap. It must be set before the app process starts its pool.
process.env['UV_THREADPOOL_SIZE'] ??= '16';
launch(fileURLToPath(new URL('../src/main.ts', import.meta.url)));
