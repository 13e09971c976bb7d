import { jest } from '@jest/globals';
import { setupServer } from 'msw/node';
import { checkGates, renderJson, renderJunit, renderMarkdown, renderTable, runGates, verdictWebhookPayload } from './index.js';
import { GatesConfigError } from './errors.js';
import { gateApiHandlers, testGatesConfig, TEST_TOKENS } from './testing.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const now = new Date('2026-06-12T17:45:00.000Z');
const testers = { countRedeemed: () => Promise.resolve(5), target: 'embedded database (in memory)' };

describe('runGates', () => {
  it('is GO when all six gates pass', async () => {
    server.use(...gateApiHandlers({ k6: { lastGreenHoursAgo: 3, now } }));
    const run = await runGates(testGatesConfig(), { testers, now: () => now });
    expect(run.gates.map((g) => [g.id, g.state])).toEqual([
      ['testers', 'pass'],
      ['sentry', 'pass'],
      ['statuspage', 'pass'],
      ['synthetic', 'pass'],
      ['k6', 'pass'],
      ['high_issues', 'pass'],
    ]);
    expect(run).toMatchObject({ verdict: 'GO', exitCode: 0, startedAt: now.toISOString(), finishedAt: now.toISOString() });
  });

  it('is NO-GO (exit 1) with one 🔴, whatever the ⚪', async () => {
    server.use(...gateApiHandlers({ sentry: { issues: 2 }, prometheus: { values: [] } }));
    const run = await runGates(testGatesConfig(), { testers, now: () => now });
    expect(run).toMatchObject({ verdict: 'NO-GO', exitCode: 1 });
  });

  it('is INCONCLUSIVE (exit 2) with a ⚪ and no 🔴; unset gates are ⚪ not configured', async () => {
    server.use(...gateApiHandlers({}));
    const run = await runGates(testGatesConfig({ sentry: null, k6: null }), { testers, now: () => now });
    expect(run).toMatchObject({ verdict: 'INCONCLUSIVE', exitCode: 2 });
    expect(run.gates.find((g) => g.id === 'sentry')).toMatchObject({
      state: 'unknown',
      reason: 'not_configured',
      summary: 'not configured (set SENTRY_AUTH_TOKEN and SENTRY_ORG)',
    });
  });

  it('runs the probes in parallel', async () => {
    server.use(...gateApiHandlers({}, 300));
    const slowTesters = { countRedeemed: () => new Promise<number>((resolve) => setTimeout(() => resolve(5), 300)) };
    const started = Date.now();
    const run = await runGates(testGatesConfig(), { testers: slowTesters });
    expect(run.verdict).toBe('GO');
    // Sequential would take 6 × 300 ms.
    expect(Date.now() - started).toBeLessThan(1_200);
  });

  it('gives each gate its own timeout: one slow API does not hold the others', async () => {
    server.use(...gateApiHandlers({ statuspage: { fault: { delayMs: 5_000 } } }));
    const run = await runGates(testGatesConfig({ timeoutMs: 400 }), { testers });
    expect(run.gates.find((g) => g.id === 'statuspage')).toMatchObject({ state: 'unknown', reason: 'timeout' });
    expect(run.gates.filter((g) => g.state === 'pass')).toHaveLength(5);
  });

  it('refuses an unusable config object', async () => {
    await expect(runGates(testGatesConfig({ timeoutMs: 0 }))).rejects.toThrow(GatesConfigError);
  });

  // Found by mutation testing: the retries check could be dropped, or accept -1, and every spec stayed green.
  it.each([
    [{ retries: -1 }, 'retries must be an integer ≥ 0'],
    [{ retries: 1.5 }, 'retries must be an integer ≥ 0'],
    [{ timeoutMs: 2.5 }, 'timeoutMs must be a positive integer'],
  ])('refuses %j in a config built in code, naming the field', async (bad, problem) => {
    const fetch = jest.fn<typeof globalThis.fetch>();
    await expect(runGates(testGatesConfig(bad), { testers, fetch })).rejects.toMatchObject({
      code: 'GATES_CONFIG_INVALID',
      problems: [problem],
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('takes the smallest usable values: no retry, a 1 ms deadline', async () => {
    const run = await runGates(
      testGatesConfig({ retries: 0, timeoutMs: 1, sentry: null, statuspage: null, synthetic: null, k6: null, highIssues: null }),
      {
        testers,
        now: () => now,
      },
    );
    expect(run.gates).toHaveLength(6);
  });

  it('never lets a token reach any output, even when an API or a driver echoes it', async () => {
    server.use(...gateApiHandlers({ sentry: { fault: { status: 401 } }, highIssues: { issues: 3 } }));
    const leaky = { countRedeemed: () => Promise.reject(new Error(`bad auth ${TEST_TOKENS.sentry} and ${TEST_TOKENS.github}`)) };
    const run = await runGates(testGatesConfig(), { testers: leaky, now: () => now });
    expect(run.gates[0]!.summary).toBe('probe error: bad auth *** and ***');
    const outputs = [
      renderTable(run),
      renderJson(run),
      renderJunit(run),
      renderMarkdown(run),
      JSON.stringify(verdictWebhookPayload(run, 'GO')),
    ];
    for (const out of outputs) {
      expect(out).not.toContain(TEST_TOKENS.sentry);
      expect(out).not.toContain(TEST_TOKENS.github);
    }
  });
});

describe('checkGates', () => {
  it('returns exit code 3 for a configuration error, before any request', async () => {
    const fetch = jest.fn<typeof globalThis.fetch>();
    const result = await checkGates({ PROM_URL: 'prometheus:9090', TESTERS_TARGET: 'x' }, { fetch });
    expect(result).toEqual({
      ok: false,
      exitCode: 3,
      problems: [
        { field: 'TESTERS_TARGET', message: 'must be an integer ≥ 1 (got "x")' },
        { field: 'PROM_URL', message: 'is not an http(s) URL' },
      ],
      warnings: [],
    });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('runs the gates from an environment', async () => {
    server.use(...gateApiHandlers({ prometheus: { values: ['0'] } }));
    const result = await checkGates({ PROM_URL: 'http://prometheus.test:9090' });
    expect(result).toMatchObject({ ok: true, exitCode: 1 });
  });
});
