// Soak sampler, preloaded into a long-running app (`node --expose-gc --import ./tools/soak/sampler.mjs …`):
// every SOAK_SAMPLE_MS (default 10 s) it forces a full collection (when --expose-gc is given, so that heap
// figures are live data, not garbage waiting for the next GC) and appends one JSON line to SOAK_SAMPLE_FILE:
// time, heap used, RSS, external memory, open file descriptors, and the process's active handles and
// requests by kind (timers, sockets, …). Flat lines over hours are what a soak wants to see.
import { appendFileSync, readdirSync } from 'node:fs';
import { setInterval } from 'node:timers';

const file = process.env.SOAK_SAMPLE_FILE;
const every = Number(process.env.SOAK_SAMPLE_MS ?? 10_000);
if (file) {
  const started = Date.now();
  const sample = () => {
    globalThis.gc?.();
    const memory = process.memoryUsage();
    const resources = {};
    for (const kind of process.getActiveResourcesInfo()) resources[kind] = (resources[kind] ?? 0) + 1;
    let fds = -1;
    try {
      fds = readdirSync('/proc/self/fd').length;
    } catch {
      // not Linux: no count
    }
    const line = {
      t: Math.round((Date.now() - started) / 1000),
      heapUsedKb: Math.round(memory.heapUsed / 1024),
      rssKb: Math.round(memory.rss / 1024),
      externalKb: Math.round(memory.external / 1024),
      fds,
      resources,
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  setInterval(sample, every).unref();
  sample();
}
