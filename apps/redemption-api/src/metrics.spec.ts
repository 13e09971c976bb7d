import { describe, expect, it } from '@jest/globals';
import { createMetrics, outcomeCounter, requestRecorder } from './metrics.js';

/** The same observations made straight on prom-client, one call each: what a scrape must show. */
function reference() {
  const metrics = createMetrics();
  return {
    metrics,
    request: (method: string, route: string, status: number, seconds: number) => {
      const labels = { method, route, status: String(status) };
      metrics.requests.inc(labels);
      metrics.duration.observe(labels, seconds);
    },
    lookup: (outcome: string) => metrics.lookups.inc({ outcome }),
  };
}

describe('metrics recorded in batches', () => {
  it('show every request, latency and outcome at each scrape, as one prom-client call per observation would', async () => {
    const metrics = createMetrics();
    const record = requestRecorder(metrics);
    const count = outcomeCounter(metrics, metrics.lookups);
    const ref = reference();
    const statuses = [200, 404, 410, 429];
    const outcomes = ['valid', 'unknown', 'used'] as const;
    // more than a batch for some label sets, a part of one for the others; a scrape now and then
    for (let i = 0; i < 1_234; i++) {
      const status = statuses[i % 7 === 0 ? 1 + (i % 3) : 0]!;
      const seconds = ((i * 7919) % 3000) / 1000; // 0 to 3 s: every bucket, and +Inf
      record('GET', '/v1/invites/:code', status, seconds);
      ref.request('GET', '/v1/invites/:code', status, seconds);
      count(outcomes[i % 3]!);
      ref.lookup(outcomes[i % 3]!);
      if (i === 2 || i === 600) expect(await metrics.registry.metrics()).toBe(await ref.metrics.registry.metrics());
    }
    const scraped = await metrics.registry.metrics();
    expect(scraped).toBe(await ref.metrics.registry.metrics());
    expect(scraped).toMatch(/redemption_api_http_requests_total\{method="GET",route="\/v1\/invites\/:code",status="200"\} \d{3,}/);
    expect(scraped).toContain('redemption_api_lookups_total{outcome="valid"} 412');
    // nothing is counted twice by a second scrape
    expect(await metrics.registry.metrics()).toBe(scraped);
  });

  it('keep label sets that differ in one label apart (method, route or status)', async () => {
    const metrics = createMetrics();
    const record = requestRecorder(metrics);
    const ref = reference();
    const sets = [
      ['GET', '/v1/invites/:code', 200],
      ['POST', '/v1/invites/:code', 200],
      ['GET', '/v1/invites/redeem', 200],
      ['GET', '/v1/invites/:code', 404],
      ['POST', '/v1/invites/redeem', 409],
      ['GET', 'unmatched', 404],
      ['HEAD', 'unmatched', 404],
    ] as const;
    for (let i = 0; i < 2_000; i++) {
      const [method, route, status] = sets[(i * i + 3 * i) % sets.length]!;
      const seconds = ((i * 104_729) % 2_600) / 1000;
      record(method, route, status, seconds);
      ref.request(method, route, status, seconds);
      if (i === 700) expect(await metrics.registry.metrics()).toBe(await ref.metrics.registry.metrics());
    }
    expect(await metrics.registry.metrics()).toBe(await ref.metrics.registry.metrics());
  });

  it('count label sets past the cached ones at once', async () => {
    const metrics = createMetrics();
    const record = requestRecorder(metrics);
    const ref = reference();
    // odd statuses: more label sets than the recorder keeps a batch for
    for (let i = 0; i < 600; i++) {
      record('GET', 'unmatched', 1000 + i, 0.002);
      ref.request('GET', 'unmatched', 1000 + i, 0.002);
    }
    // the same series and values; those counted at once are listed before the batched ones
    const lines = async (m: ReturnType<typeof createMetrics>) => (await m.registry.metrics()).split('\n').sort();
    expect(await lines(metrics)).toEqual(await lines(ref.metrics));
  });
});
