/**
 * One full `gates check` against a real local HTTP server whose five API
 * endpoints each answer after 200 ms, plus a testers count that takes 200 ms:
 * the parallel run against the shell way (probes one after another), and
 * against the slowest single probe (target: within 1.2x of it).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { interleavedFigure, median, timeIt } from '@veza/test-support';
import type { BenchRun } from '@veza/test-support';
import { highIssuesProbe, k6Probe, runGates, sentryProbe, statuspageProbe, syntheticProbe, testersProbe } from '../src/index.js';
import { testGatesConfig } from '../src/testing.js';

/** latency of every endpoint, in milliseconds */
const DELAY_MS = 200;

function bodyFor(path: string): { body: unknown; headers?: Record<string, string> } {
  // as Sentry answers a search that matched nothing: its Link header is there (a bare [] is a search over no project)
  if (path.includes('/issues/') && path.includes('/organizations/'))
    return { body: [], headers: { 'X-Hits': '0', Link: `<${path}&cursor=0:100:0>; rel="next"; results="false"; cursor="0:100:0"` } };
  if (path.endsWith('/api/v2/summary.json'))
    return { body: { status: { indicator: 'none', description: 'All Systems Operational' }, incidents: [] } };
  if (path.startsWith('/api/v1/query'))
    return { body: { status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [0, '1'] }] } } };
  if (path.includes('/actions/workflows/'))
    return {
      body: {
        total_count: 1,
        workflow_runs: [{ id: 1, status: 'completed', conclusion: 'success', updated_at: new Date(Date.now() - 3_600_000).toISOString() }],
      },
    };
  return { body: [] };
}

export const run: BenchRun = async (ctx) => {
  const server = createServer((req, res) => {
    const { body, headers } = bodyFor(req.url ?? '/');
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    }, DELAY_MS);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const github = { apiUrl: base, repo: 'veza/app', token: 'bench-token' };
  const config = testGatesConfig({
    sentry: { ...testGatesConfig().sentry!, baseUrl: base },
    statuspage: { url: base },
    synthetic: { ...testGatesConfig().synthetic!, promUrl: base },
    k6: { ...testGatesConfig().k6!, ...github },
    highIssues: { ...testGatesConfig().highIssues!, ...github },
  });
  const testers = { countRedeemed: () => new Promise<number>((resolve) => setTimeout(() => resolve(5), DELAY_MS)) };
  const rounds = Math.max(2, Math.round(7 * ctx.scale));

  try {
    // Warm-up: connection setup and JIT should not count against either side.
    await runGates(config, { testers });
    const parallel: number[] = [];
    const sequential: number[] = [];
    const slowest: number[] = [];
    for (let i = 0; i < rounds; i++) {
      let verdict = '';
      parallel.push(await timeIt(async () => void (verdict = (await runGates(config, { testers })).verdict)));
      if (verdict !== 'GO') throw new Error(`bench setup is wrong: verdict ${verdict}`);
      const single = [
        await timeIt(() => testersProbe(config.testers!, testers)),
        await timeIt(() => sentryProbe(config.sentry!)),
        await timeIt(() => statuspageProbe(config.statuspage!)),
        await timeIt(() => syntheticProbe(config.synthetic!)),
        await timeIt(() => k6Probe(config.k6!)),
        await timeIt(() => highIssuesProbe(config.highIssues!)),
      ];
      sequential.push(single.reduce((a, b) => a + b, 0));
      slowest.push(Math.max(...single));
    }
    const wall = median(parallel);
    const seq = median(sequential);
    const slow = median(slowest);
    ctx.log(`parallel ${wall.toFixed(0)} ms, sequential ${seq.toFixed(0)} ms, slowest probe ${slow.toFixed(0)} ms`);
    return {
      title: 'gate-probes: one full gates check',
      figures: [
        interleavedFigure({ baseline: sequential, measured: parallel }, 'time-faster', {
          label: `six gates, each endpoint ${DELAY_MS} ms: parallel vs one after another`,
          measured: { name: 'runGates wall time', unit: 'ms' },
          baseline: { name: 'sum of the six probes run sequentially', unit: 'ms' },
        }),
        interleavedFigure({ baseline: slowest, measured: parallel }, 'time-slower', {
          label: 'full check vs its slowest probe (measured / baseline)',
          measured: { name: 'runGates wall time', unit: 'ms' },
          baseline: { name: 'slowest single probe', unit: 'ms' },
          target: '≤ 1.2x',
          met: (r) => r <= 1.2,
        }),
      ],
      notes: [
        `${rounds} interleaved rounds after one warm-up (each round: the full check, then the six probes one after another; per-round ratios); local node:http server, testers count delayed in-process (the database is not what is measured here)`,
      ],
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
};
