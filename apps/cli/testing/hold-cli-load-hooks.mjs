// The resolve hook of hold-cli-load.mjs (it runs on the loader's thread).
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

let files;
export function initialize(data) {
  files = data;
}

export async function resolve(specifier, context, next) {
  if (files && /^\.\/cli\.(js|ts)$/.test(specifier) && /\/main\.ts$/.test(context.parentURL ?? '')) {
    writeFileSync(files.marker, '');
    for (let i = 0; i < 6_000 && !existsSync(files.go); i++) await sleep(10); // at most a minute
  }
  return next(specifier, context);
}
