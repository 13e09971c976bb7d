import { Counter, Histogram, Registry } from 'prom-client';

export type Outcome = 'redeemed' | 'malformed' | 'unknown' | 'used' | 'expired' | 'revoked' | 'error';

/** One registry per server instance, so tests and the bench can run several side by side. */
export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  redemptions: Counter<'outcome'>;
  lookups: Counter<'outcome'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({
      name: 'redemption_api_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'redemption_api_http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    redemptions: new Counter({
      name: 'redemption_api_redemptions_total',
      help: 'Redeem attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    lookups: new Counter({
      name: 'redemption_api_lookups_total',
      help: 'Code lookups by outcome',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}

/** Most label sets a process keeps a ready child for; beyond that (odd methods or statuses) labels are hashed per call as usual. */
const MAX_CACHED_LABEL_SETS = 500;

/**
 * Counts one answered request and its latency. The children for a label set
 * are looked up once and kept (prom-client otherwise sorts and hashes the
 * labels on every call, twice per request).
 */
export function requestRecorder(metrics: Metrics): (method: string, route: string, status: number, seconds: number) => void {
  const children = new Map<string, { requests: { inc(): void }; duration: { observe(value: number): void } }>();
  return (method, route, status, seconds) => {
    const key = `${method} ${status} ${route}`;
    let child = children.get(key);
    if (!child) {
      const labels = { method, route, status: String(status) };
      child = { requests: metrics.requests.labels(labels), duration: metrics.duration.labels(labels) };
      if (children.size < MAX_CACHED_LABEL_SETS) children.set(key, child);
    }
    child.requests.inc();
    child.duration.observe(seconds);
  };
}

/**
 * Counts outcomes on a counter with one `outcome` label. The outcomes are a
 * fixed set, so each child is looked up once and kept (prom-client otherwise
 * hashes the label object on every call).
 */
export function outcomeCounter(counter: Counter<'outcome'>): (outcome: Outcome | 'valid') => void {
  const children = new Map<string, { inc(): void }>();
  return (outcome) => {
    let child = children.get(outcome);
    if (!child) {
      child = counter.labels({ outcome });
      children.set(outcome, child);
    }
    child.inc();
  };
}
