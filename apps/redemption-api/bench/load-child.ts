// The API bench's load generator, in a process of its own so that the
// servers' process measures only its own CPU: runs autocannon with the job
// given as JSON in argv[2] and prints the result as one JSON line.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface Job {
  url: string;
  path: string;
  seconds: number;
  connections: number;
  /** POST {"code": …} bodies, one fresh code per request from this file (one code per line) */
  codesFile?: string;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const codes = job.codesFile ? readFileSync(job.codesFile, 'utf8').split('\n').filter(Boolean) : [];
let next = 0;
const request: autocannon.Request = job.codesFile
  ? { method: 'POST', path: job.path, headers: { 'content-type': 'application/json' }, setupRequest: (req) => ({ ...req, body: JSON.stringify({ code: codes[next++ % codes.length] }) }) }
  : { method: 'GET', path: job.path };
const started = performance.now();
const result = await autocannon({ url: job.url, connections: job.connections, duration: job.seconds, requests: [request] });
const seconds = (performance.now() - started) / 1000;
process.stdout.write(`${JSON.stringify({ total: result.requests.total, seconds, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors, used: next })}\n`);
process.exit(0);
