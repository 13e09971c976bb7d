import { Counter, Histogram, Registry } from 'prom-client';

export type Outcome = 'redeemed' | 'malformed' | 'unknown' | 'used' | 'expired' | 'revoked' | 'error';

/** One registry per server instance, so tests and the bench can run several side by side. */
export interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
  redemptions: Counter<'outcome'>;
  lookups: Counter<'outcome'>;
  /** Registers a batch that holds observations not yet handed to prom-client: every scrape flushes it first. */
  addBatch(batch: Batch): void;
}

/** Observations kept locally (see requestRecorder); `flush` hands them to prom-client. */
export interface Batch {
  flush(): void;
}

/**
 * Most observations a batch keeps before it hands them over. Per request,
 * prom-client checks the label names and builds a key of the labels for every
 * increment and every observation, code that runs cold between two requests
 * (on a lookup about 15 µs of CPU, profiled, for a counter, a histogram and an
 * outcome counter); handed over in a loop, a batch at a time, the same calls
 * run hot. Bounded: 256 numbers per label set.
 */
const BATCH_SIZE = 256;

export function createMetrics(): Metrics {
  const registry = new Registry();
  const batches: Batch[] = [];
  // Run by prom-client before it reads a metric (a scrape): what it reports holds every observation made so far.
  const collect = () => {
    for (const batch of batches) batch.flush();
  };
  return {
    registry,
    addBatch: (batch) => void batches.push(batch),
    requests: new Counter({
      name: 'redemption_api_http_requests_total',
      help: 'HTTP requests answered, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
      collect,
    }),
    duration: new Histogram({
      name: 'redemption_api_http_request_duration_seconds',
      help: 'HTTP request latency in seconds, by route pattern and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
      collect,
    }),
    redemptions: new Counter({
      name: 'redemption_api_redemptions_total',
      help: 'Redeem attempts by outcome',
      labelNames: ['outcome'],
      registers: [registry],
      collect,
    }),
    lookups: new Counter({
      name: 'redemption_api_lookups_total',
      help: 'Code lookups by outcome',
      labelNames: ['outcome'],
      registers: [registry],
      collect,
    }),
  };
}

/** Most label sets a process keeps a ready child for; beyond that (odd methods or statuses) labels are hashed per call as usual. */
const MAX_CACHED_LABEL_SETS = 500;

/** One label set's requests and their latencies, not yet handed to prom-client. */
class RequestBatch implements Batch {
  private readonly seconds = new Float64Array(BATCH_SIZE);
  private count = 0;

  constructor(
    private readonly requests: { inc(value: number): void },
    private readonly duration: { observe(value: number): void },
  ) {}

  add(seconds: number): void {
    this.seconds[this.count++] = seconds;
    if (this.count === BATCH_SIZE) this.flush();
  }

  flush(): void {
    if (this.count === 0) return;
    this.requests.inc(this.count);
    for (let i = 0; i < this.count; i++) this.duration.observe(this.seconds[i]!);
    this.count = 0;
  }
}

/**
 * Counts one answered request and its latency. The children for a label set
 * are looked up once and kept (prom-client otherwise sorts and hashes the
 * labels on every call, twice per request), and their observations are handed
 * over in batches (BATCH_SIZE; every scrape flushes them first).
 *
 * They are kept by method, then route, then status: the method and the route
 * pattern are strings the server holds (their hashes computed once) and the
 * status a small integer. A key of the three joined was a new string to
 * build and hash on every request (about 0.6 µs of the lookup's onResponse
 * hook, seen with perf).
 */
export function requestRecorder(metrics: Metrics): (method: string, route: string, status: number, seconds: number) => void {
  const children = new Map<string, Map<string, Map<number, RequestBatch>>>();
  let kept = 0;
  return (method, route, status, seconds) => {
    let child = children.get(method)?.get(route)?.get(status);
    if (!child) {
      const labels = { method, route, status: String(status) };
      child = new RequestBatch(metrics.requests.labels(labels), metrics.duration.labels(labels));
      // past the cap (odd methods or statuses), the batch of one call is handed over at once
      if (kept < MAX_CACHED_LABEL_SETS) {
        kept++;
        keep(children, method, route).set(status, child);
        metrics.addBatch(child);
      } else {
        child.add(seconds);
        return child.flush();
      }
    }
    child.add(seconds);
  };
}

/** The statuses' map of a method and a route, made on first use. */
function keep<T>(children: Map<string, Map<string, Map<number, T>>>, method: string, route: string): Map<number, T> {
  let routes = children.get(method);
  if (!routes) children.set(method, (routes = new Map<string, Map<number, T>>()));
  let statuses = routes.get(route);
  if (!statuses) routes.set(route, (statuses = new Map<number, T>()));
  return statuses;
}

/** One outcome's count, not yet handed to prom-client. */
class CountBatch implements Batch {
  private count = 0;

  constructor(private readonly counter: { inc(value: number): void }) {}

  add(): void {
    if (++this.count === BATCH_SIZE) this.flush();
  }

  flush(): void {
    if (this.count === 0) return;
    this.counter.inc(this.count);
    this.count = 0;
  }
}

/**
 * Counts outcomes on a counter with one `outcome` label. The outcomes are a
 * fixed set, so each child is looked up once and kept (prom-client otherwise
 * hashes the label object on every call), and its counts are handed over in
 * batches as requestRecorder's are.
 */
export function outcomeCounter(metrics: Metrics, counter: Counter<'outcome'>): (outcome: Outcome | 'valid') => void {
  const children = new Map<string, CountBatch>();
  return (outcome) => {
    let child = children.get(outcome);
    if (!child) {
      child = new CountBatch(counter.labels({ outcome }));
      children.set(outcome, child);
      metrics.addBatch(child);
    }
    child.add();
  };
}
