// The API bench's load generator, in a process of its own so that the
// servers' process measures only its own CPU: runs autocannon with the job
// given as JSON in argv[2] ({url, path, seconds, connections, codesFile?}) and
// prints the result as one JSON line (with every 2xx response's time). Plain JavaScript: it starts in
// milliseconds, without a TypeScript loader.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

const job = JSON.parse(process.argv[2] ?? '{}');
// POST {"code": …} bodies: one fresh code per request, from the file (one code per line)
const codes = job.codesFile ? readFileSync(job.codesFile, 'utf8').split('\n').filter(Boolean) : [];
let next = 0;
const request = job.codesFile
  ? {
      method: 'POST',
      path: job.path,
      headers: { 'content-type': 'application/json' },
      setupRequest: (req) => ({ ...req, body: JSON.stringify({ code: codes[next++ % codes.length] }) }),
    }
  : { method: 'GET', path: job.path };
// every 2xx response's time (as autocannon's own latency histogram counts them), in whole microseconds:
// the bench pools them over its rounds, so that its p99 is that of all the rounds' responses
const latencies = [];
const started = performance.now();
const instance = autocannon({ url: job.url, connections: job.connections, duration: job.seconds, requests: [request] });
instance.on('response', (_client, statusCode, _bytes, ms) => {
  if (statusCode >= 200 && statusCode < 300) latencies.push(Math.round(ms * 1000));
});
const result = await instance;
const seconds = (performance.now() - started) / 1000;
process.stdout.write(
  `${JSON.stringify({ total: result.requests.total, seconds, non2xx: result.non2xx, errors: result.errors, used: next, latencies })}\n`,
);
process.exit(0);
