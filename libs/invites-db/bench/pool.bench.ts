/**
 * postgres.js's connection pool under sustained concurrency: the package as
 * published against the package as this workspace installs it (patched by
 * `patches/postgres+3.4.9.patch`, applied by `npm install`'s postinstall).
 *
 * As published, the pool's queues leave a hole in their array at every
 * `shift()` and only drop them when a `shift()` empties the queue; `remove()`
 * scans from the array's start, holes included. A pool kept busy (more
 * queries in flight than connections, as the API under load) rarely empties
 * its queues that way, so every query costs a little more than the one
 * before: the API slowed down the longer it ran. The patch searches from the
 * queue's head and drops the holes once they are half the array.
 *
 * Each round runs the same queries on a fresh pool of each kind, one after
 * the other; the figure compares the cost per query in the last fifth.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import postgres from 'postgres';
import { interleave, interleavedFigure } from '@veza/test-support';
import type { BenchRun } from '@veza/test-support';

type Postgres = typeof postgres;

const CONNECTIONS = 4;
const IN_FLIGHT = 400;
const PATCH = fileURLToPath(new URL('../../../patches/postgres+3.4.9.patch', import.meta.url));

/** A copy of the installed postgres.js with the workspace's patch taken out again: the package as published. */
async function publishedPostgres(tmpDir: string): Promise<Postgres> {
  const installed = dirname(dirname(fileURLToPath(import.meta.resolve('postgres')))); // …/node_modules/postgres (src/index.js → ../..)
  const root = join(tmpDir, 'published');
  cpSync(installed, join(root, 'node_modules', 'postgres'), { recursive: true });
  // fails loudly when the installed copy is not patched (the patch then does not reverse)
  execFileSync('patch', ['-R', '-p1', '-s', '-d', root, '-i', PATCH], { stdio: ['ignore', 'ignore', 'inherit'] });
  const entry = join(root, 'node_modules', 'postgres', 'src', 'index.js');
  if (!existsSync(entry)) throw new Error(`no ${entry}`);
  return ((await import(pathToFileURL(entry).href)) as { default: Postgres }).default;
}

/** Runs `total` queries, IN_FLIGHT at a time, on a fresh pool; the wall time per query of the first and the last fifth, in µs. */
async function sustained(make: Postgres, url: string, total: number): Promise<{ first: number; last: number }> {
  const sql = make(url, { max: CONNECTIONS, fetch_types: false, onnotice: () => undefined });
  try {
    const fifth = Math.floor(total / 5);
    const times: number[] = [];
    for (let part = 0; part < 5; part++) {
      const start = process.hrtime.bigint();
      for (let done = 0; done < fifth; done += IN_FLIGHT) await Promise.all(Array.from({ length: IN_FLIGHT }, () => sql`SELECT 1`));
      times.push(Number(process.hrtime.bigint() - start) / 1e3 / fifth);
    }
    return { first: times[0]!, last: times[4]! };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export const run: BenchRun = async (ctx) => {
  // SELECT 1 needs no database of its own: the server's admin URL
  const url = ctx.databaseUrl;
  if (!url) throw new Error('needs the throwaway PostgreSQL (npm run bench starts one)');
  const total = Math.max(20_000, Math.round(200_000 * ctx.scale));
  const rounds = ctx.scale >= 0.5 ? 3 : 2;
  const published = await publishedPostgres(ctx.tmpDir);
  const growth = { published: [] as number[], patched: [] as number[] };
  const last = await interleave(rounds, {
    baseline: async () => {
      const r = await sustained(published, url, total);
      growth.published.push(r.last / r.first);
      return r.last;
    },
    measured: async () => {
      const r = await sustained(postgres, url, total);
      growth.patched.push(r.last / r.first);
      return r.last;
    },
  });
  const fmt = (xs: number[]) => xs.map((x) => `${x.toFixed(2)}x`).join(', ');
  const us = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
  ctx.log(`last fifth, µs/query: published ${us(last.baseline)}; patched ${us(last.measured)}`);
  return {
    title: `invites-db: postgres.js pool under sustained concurrency (throwaway PostgreSQL)`,
    figures: [
      interleavedFigure(last, 'time-faster', {
        label: `the last ${(total / 5).toLocaleString('en-US')} of ${total.toLocaleString('en-US')} queries, ${IN_FLIGHT} in flight on ${CONNECTIONS} connections, per query`,
        measured: { name: 'postgres.js 3.4.9 as installed here (patched queue)', unit: 'µs/query' },
        baseline: { name: 'postgres.js 3.4.9 as published', unit: 'µs/query' },
      }),
    ],
    notes: [
      `${rounds} interleaved rounds, each on a fresh pool of each kind (${CONNECTIONS} connections, fetch_types off as openDatabase sets it), \`SELECT 1\` ${IN_FLIGHT} at a time.`,
      `Cost per query in the last fifth over the first fifth, per round: as published ${fmt(growth.published)}; patched ${fmt(growth.patched)} (1x: no growth).`,
      "The published pool: every `shift()` leaves a hole in the queue's array, dropped only when a `shift()` empties the queue, and `remove()` scans from the array's start, so a pool that stays busy pays for every query it has run. The patch (patches/postgres+3.4.9.patch, applied by `npm install`) searches from the head and drops the holes when they are half the array.",
    ],
  };
};
