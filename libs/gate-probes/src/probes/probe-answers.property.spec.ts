import { expect } from '@jest/globals';
import fc from 'fast-check';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { fuzzOptions } from '@veza/test-support';
import { sentryProbe, statuspageProbe, syntheticProbe } from '../index.js';
import type { GateResult } from '../index.js';
import { testGatesConfig, TEST_TOKENS, TEST_URLS } from '../testing.js';

// Whatever an API answers (JSON of any shape, truncated text, odd headers), a probe gives a result, never
// throws, and gives ✅ only for an answer that really passes: the oracle of each property says, apart from
// the probe's code, what a passing answer is. Anything else it could not judge is ⚪ with the reason
// `parse` or `no_data` (the API answered: not `unavailable`) and a message of its own, not a JavaScript error.

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const config = testGatesConfig();
const fast = { backoffMs: 1, timeoutMs: 2_000, retries: 0 };

/** JSON values of any shape, with the strings the probes look for among the random ones. */
const jsonOf = (words: string[]) =>
  fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constantFrom(null, true, false, 0, 1, -1, 0.5, 2, 1e308, ...words),
      fc.string({ maxLength: 6 }),
      fc.double(),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...words, 'x'), tie('value'), { maxKeys: 4 }),
    ),
  })).value;

/** A body as sent: JSON of that value, or that JSON cut short. */
const bodyOf = (value: fc.Arbitrary<unknown>) =>
  fc.tuple(value, fc.option(fc.nat(), { nil: undefined })).map(([v, cut]) => {
    const text = JSON.stringify(v) ?? 'null';
    return cut === undefined ? text : text.slice(0, cut % (text.length + 1));
  });

function expectJudged(result: GateResult): void {
  expect(['pass', 'fail', 'unknown']).toContain(result.state);
  if (result.state === 'unknown') {
    expect(['parse', 'no_data', 'config', 'timeout']).toContain(result.reason);
    expect(result.summary).not.toMatch(/probe error|TypeError|Cannot read|is not a function|undefined/);
  }
  expect(JSON.stringify(result)).not.toContain(TEST_TOKENS.sentry);
}

const answer = (body: string, headers: Record<string, string> = {}) =>
  new HttpResponse(body, { status: 200, headers: { 'content-type': 'application/json', ...headers } });

describe('syntheticProbe on any Prometheus answer', () => {
  // fast-check draws the first constants more often: the edges of a number first
  const sample = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom('1', '1e400', '0', '-1e400', '2', 'NaN', '+Inf', '-Inf', '1e-400', '1.0', '', ' 1', '0x1', '1e0'),
    },
    fc.string({ maxLength: 4 }),
  );
  const vectorItem = fc.oneof(
    fc.record({
      metric: fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
      value: fc.tuple(fc.double(), sample),
    }),
    jsonOf(['metric', 'value']),
  );
  // the common answer, a clean vector, weighted: every condition of a pass has to meet in one case
  const cleanVector = fc.record({
    status: fc.constant('success'),
    data: fc.record({
      resultType: fc.constant('vector'),
      result: fc.array(fc.record({ metric: fc.constant({}), value: fc.tuple(fc.constant(1), sample) }), { minLength: 1, maxLength: 2 }),
    }),
  });
  const envelope = fc.oneof(
    { weight: 2, arbitrary: cleanVector },
    fc.record(
      {
        status: fc.constantFrom('success', 'error', 'x'),
        data: fc.oneof(
          fc.record({
            resultType: fc.constantFrom('vector', 'scalar', 'matrix'),
            result: fc.oneof(fc.array(vectorItem, { maxLength: 3 }), fc.tuple(fc.double(), sample)),
          }),
          jsonOf(['resultType', 'result', 'vector']),
        ),
        warnings: fc.array(fc.oneof(fc.constantFrom('PromQL info: x'), fc.string({ maxLength: 4 })), { maxLength: 2 }),
        isPartial: fc.boolean(),
      },
      { requiredKeys: ['status'] },
    ),
    jsonOf(['status', 'success', 'data']),
  );

  /** The oracle: every sample a finite number ≥ 1, at least one, and nothing said to be missing. */
  function passes(body: string): boolean {
    let e: { status?: unknown; data?: { resultType?: unknown; result?: unknown }; warnings?: unknown; isPartial?: unknown };
    try {
      e = JSON.parse(body) as typeof e;
    } catch {
      return false;
    }
    if (e?.status !== 'success' || e.isPartial === true) return false;
    if (Array.isArray(e.warnings) && e.warnings.some((w) => !(typeof w === 'string' && w.startsWith('PromQL info:')))) return false;
    const ok = (v: unknown) =>
      Array.isArray(v) &&
      typeof v[1] === 'string' &&
      /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v[1]) &&
      Number.isFinite(Number(v[1])) &&
      Number(v[1]) >= 1;
    if (e.data?.resultType === 'scalar') return ok(e.data.result);
    const result = e.data?.resultType === 'vector' ? e.data.result : null;
    return Array.isArray(result) && result.length > 0 && result.every((item) => ok((item as { value?: unknown } | null)?.value));
  }

  it('gives ✅ only when every series is a number ≥ 1, and never a JavaScript error', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf(envelope), async (body) => {
        server.resetHandlers(http.get(`${TEST_URLS.prometheus}/api/v1/query`, () => answer(body)));
        const result = await syntheticProbe(config.synthetic!, fast);
        expectJudged(result);
        expect(result.state === 'pass').toBe(passes(body));
      }),
      fuzzOptions(20261202, 300),
    );
  });
});

describe('statuspageProbe on any summary.json', () => {
  const status = fc.constantFrom(
    'none',
    'minor',
    'major',
    'critical',
    'maintenance',
    'operational',
    'resolved',
    'postmortem',
    'investigating',
    'degraded_performance',
    'under_maintenance',
    'major_outage',
    'x',
  );
  const summary = fc.oneof(
    fc.record(
      {
        status: fc.oneof(
          fc.record({ indicator: status, description: fc.string({ maxLength: 4 }) }, { requiredKeys: [] }),
          jsonOf(['indicator']),
        ),
        incidents: fc.oneof(
          fc.array(fc.oneof(fc.record({ name: fc.string({ maxLength: 3 }), status }, { requiredKeys: [] }), jsonOf(['status'])), {
            maxLength: 3,
          }),
          jsonOf([]),
        ),
        components: fc.oneof(
          fc.array(fc.oneof(fc.record({ name: fc.string({ maxLength: 3 }), status }, { requiredKeys: [] }), jsonOf(['status'])), {
            maxLength: 3,
          }),
          jsonOf([]),
        ),
      },
      { requiredKeys: [] },
    ),
    jsonOf(['status', 'incidents', 'components', 'indicator']),
  );

  /** The oracle: indicator none or maintenance, every incident resolved, every component working. */
  function passes(body: string): boolean {
    let s: { status?: { indicator?: unknown }; incidents?: unknown; components?: unknown };
    try {
      s = JSON.parse(body) as typeof s;
    } catch {
      return false;
    }
    const object = (v: unknown): v is { status?: unknown } => typeof v === 'object' && v !== null && !Array.isArray(v);
    if (!['none', 'maintenance'].includes(s?.status?.indicator as string) || !Array.isArray(s.incidents)) return false;
    if (!s.incidents.every((i) => object(i) && ['resolved', 'postmortem'].includes(i.status as string))) return false;
    if (s.components === undefined) return true;
    return (
      Array.isArray(s.components) &&
      s.components.every((c) => object(c) && ['operational', 'under_maintenance'].includes(c.status as string))
    );
  }

  it('gives ✅ only when nothing is open or down, and never a JavaScript error', async () => {
    await fc.assert(
      fc.asyncProperty(bodyOf(summary), async (body) => {
        server.resetHandlers(http.get(`${TEST_URLS.statuspage}/api/v2/summary.json`, () => answer(body)));
        const result = await statuspageProbe(config.statuspage!, fast);
        expectJudged(result);
        expect(result.state === 'pass').toBe(passes(body));
      }),
      fuzzOptions(20261203, 300),
    );
  });
});

describe('sentryProbe on any issues answer', () => {
  const max = config.sentry!.max;
  const xHits = fc.oneof(
    fc.constantFrom('0', '1', '5', ' 3 ', '-1', '1e3', '99999999999999999999', '1'.repeat(400), 'NaN', ''),
    fc.string({ maxLength: 4 }),
  );
  const link = fc.constantFrom(
    `<${TEST_URLS.sentry}/api/0/organizations/veza/issues/?cursor=1>; rel="next"; results="false"; cursor="1"`,
    `<${TEST_URLS.sentry}/api/0/organizations/veza/issues/?cursor=2>; rel="next"; results="true"; cursor="2"`,
    `<https://elsewhere.test/x>; rel="next"; results="true"`,
    'garbage',
    '',
  );
  const page = fc.record({
    body: bodyOf(
      fc.oneof(
        fc.array(
          fc.oneof(
            fc.record({ shortId: fc.string({ maxLength: 3 }), title: fc.string({ maxLength: 3 }) }),
            fc.constant(null),
            jsonOf(['title']),
          ),
          { maxLength: 4 },
        ),
        jsonOf(['title']),
      ),
    ),
    xHits: fc.option(xHits, { nil: undefined }),
    link: fc.option(link, { nil: undefined }),
  });

  it('gives ✅ only for a list of at most the maximum, counted or said to be complete, and never a JavaScript error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(page, { minLength: 1, maxLength: 3 }), async (pages) => {
        let served = 0;
        server.resetHandlers(
          http.get(`${TEST_URLS.sentry}/api/0/organizations/veza/issues/`, () => {
            const p = pages[Math.min(served++, pages.length - 1)]!;
            return answer(p.body, {
              ...(p.xHits !== undefined ? { 'x-hits': p.xHits } : {}),
              ...(p.link !== undefined ? { link: p.link } : {}),
            });
          }),
          http.get('https://elsewhere.test/x', () => answer('[]')),
        );
        const result = await sentryProbe(config.sentry!, fast);
        expectJudged(result);
        if (result.state === 'pass') {
          // every page it read was a list, and the count it judged is a whole number within the maximum
          const first = JSON.parse(pages[0]!.body) as unknown;
          expect(Array.isArray(first)).toBe(true);
          expect(Number.isSafeInteger(result.evidence.value)).toBe(true);
          expect(result.evidence.value as number).toBeLessThanOrEqual(max);
        }
      }),
      fuzzOptions(20261204, 200),
    );
  });
});
