// Fake gate APIs for a monitor soak: @veza/monitor-worker's FakeGateApis (Sentry, Statuspage,
// Prometheus, GitHub and the webhook in one local server) behind a front that, per request, hangs
// (never answers), resets the connection, answers slowly, answers 429 with Retry-After, or passes
// it on; every 5 minutes the scenario flips between GO and NO-GO, so that the webhook is posted.
// Prints the monitor's gate settings as KEY=VALUE lines, then counts every 60 s on stderr.
//
//   node --conditions=@veza/source --import tsx tools/soak/chaos-gates.ts > gates.env
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeGateApis } from '../../apps/monitor-worker/testing/fake-gate-apis.js';

const HANG = Number(process.env['CHAOS_HANG'] ?? 0.05);
const RESET = Number(process.env['CHAOS_RESET'] ?? 0.05);
const SLOW = Number(process.env['CHAOS_SLOW'] ?? 0.1);
const TOO_MANY = Number(process.env['CHAOS_429'] ?? 0.05);

const apis = await new FakeGateApis().start();
const counts: Record<string, number> = {};
const count = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
const front = createServer((req, res) => {
  const roll = Math.random();
  if (roll < HANG) return void count('hang'); // the request is never answered; the client's deadline ends it
  if (roll < HANG + RESET) {
    count('reset');
    return void req.socket.destroy();
  }
  if (roll < HANG + RESET + TOO_MANY) {
    count('429');
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
    return void res.end('{"message":"slow down"}');
  }
  const delay = roll < HANG + RESET + TOO_MANY + SLOW ? 500 + Math.random() * 4_000 : 0;
  count(delay ? 'slow' : 'passed');
  setTimeout(() => {
    const upstream = request(apis.base + (req.url ?? '/'), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  }, delay);
});
front.keepAliveTimeout = 5_000;
await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(front.address() as AddressInfo).port}`;
for (const [key, value] of Object.entries(apis.gateEnv())) process.stdout.write(`${key}=${value.replace(apis.base, base)}\n`);
process.stdout.write(`GATES_WEBHOOK_URL=${apis.webhookUrl.replace(apis.base, base)}\n`);
setInterval(() => {
  apis.scenario.sentryIssues = apis.scenario.sentryIssues === 0 ? 3 : 0;
}, 300_000);
setInterval(
  () => process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), counts, webhooks: apis.webhooks.length })}\n`),
  60_000,
);
