// Soak traffic for the redemption API: mixed requests for as long as asked, every one from a new
// client address (X-Forwarded-For; start the API with TRUST_PROXY=1 for it to count), plus
// connections that open and never send. Prints one JSON line of counts every 10 s on stdout.
//
//   node tools/soak/traffic.mjs --url http://127.0.0.1:8080 --seconds 3600 --codes codes.txt [--concurrency 16] [--idle 20]
//
// The mix: lookups of valid, unknown and malformed codes; redeems (each valid code once, then
// INVITE_USED), unknown and malformed codes, bodies that are not JSON; a distinct hostile path per
// request (random segments, bad %-escapes, long parameters, odd methods); /healthz, /readyz, /metrics.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { clearInterval, setInterval } from 'node:timers';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '600' },
    codes: { type: 'string' },
    concurrency: { type: 'string', default: '16' },
    idle: { type: 'string', default: '20' },
  },
});
if (!values.url) throw new Error('--url is required');
const target = new URL(values.url);
const codes = values.codes ? readFileSync(values.codes, 'utf8').split('\n').filter(Boolean) : [];
const until = Date.now() + Number(values.seconds) * 1000;
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(values.concurrency) });
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const rand = (n) => Math.floor(Math.random() * n);
const word = (n, alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789') =>
  Array.from({ length: n }, () => alphabet[rand(alphabet.length)]).join('');
const unknownCode = () => [0, 1, 2, 3].map(() => word(4, ALPHABET)).join('-');
let nextRedeem = 0;
let ip = 0;
const address = () => {
  ip++;
  return `10.${(ip >> 16) & 255}.${(ip >> 8) & 255}.${ip & 255}`;
};

const kinds = [
  ['lookup valid', () => ({ path: `/v1/invites/${codes[rand(codes.length)] ?? unknownCode()}` })],
  ['lookup unknown', () => ({ path: `/v1/invites/${unknownCode()}` })],
  ['lookup malformed', () => ({ path: `/v1/invites/${word(1 + rand(40))}` })],
  [
    'redeem valid',
    () => ({
      method: 'POST',
      path: '/v1/invites/redeem',
      body: JSON.stringify({ code: codes[nextRedeem++ % Math.max(1, codes.length)] ?? unknownCode() }),
    }),
  ],
  ['redeem unknown', () => ({ method: 'POST', path: '/v1/invites/redeem', body: JSON.stringify({ code: unknownCode() }) })],
  ['redeem malformed', () => ({ method: 'POST', path: '/v1/invites/redeem', body: JSON.stringify({ code: word(rand(30)) }) })],
  ['redeem not json', () => ({ method: 'POST', path: '/v1/invites/redeem', body: `{"code": ${word(8)}` })],
  ['hostile path', () => ({ path: `/${word(3 + rand(20))}/${word(rand(10))}?q=${word(6)}` })],
  ['hostile escape', () => ({ path: `/v1/invites/%${word(2, 'zZgG%')}${word(4)}` })],
  ['hostile long', () => ({ path: `/v1/invites/${word(300 + rand(200))}` })],
  ['hostile method', () => ({ method: ['PUT', 'DELETE', 'PATCH', 'PROPFIND', 'OPTIONS'][rand(5)], path: `/${word(6)}` })],
  [
    'admin bad token',
    () => ({
      method: 'POST',
      path: '/v1/admin/revoke',
      body: JSON.stringify({ code: unknownCode() }),
      headers: { authorization: `Bearer ${word(30)}` },
    }),
  ],
  ['healthz', () => ({ path: '/healthz' })],
  ['readyz', () => ({ path: '/readyz' })],
  ['metrics', () => ({ path: '/metrics' })],
];

const counts = {};
const count = (key) => (counts[key] = (counts[key] ?? 0) + 1);

function one() {
  const [kind, make] = kinds[rand(kinds.length)];
  const spec = make();
  return new Promise((resolve) => {
    const headers = { 'x-forwarded-for': address(), ...(spec.headers ?? {}) };
    if (spec.body !== undefined) headers['content-type'] = 'application/json';
    const req = http.request(
      { host: target.hostname, port: target.port, method: spec.method ?? 'GET', path: spec.path, headers, agent, timeout: 20_000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          count(`${kind} ${res.statusCode}`);
          resolve();
        });
        res.on('error', () => resolve());
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => {
      count(`${kind} ${error.code ?? error.message}`);
      resolve();
    });
    req.end(spec.body);
  });
}

async function worker() {
  while (Date.now() < until) await one();
}

// connections that open and never send: a few new ones every second, each left to the server's deadline
const idle = [];
const idleTimer = setInterval(() => {
  for (let i = 0; i < Number(values.idle); i++) {
    const socket = net.connect({ host: target.hostname, port: Number(target.port) });
    socket.on('error', () => {});
    socket.on('close', () => count('idle closed by server'));
    socket.on('connect', () => count('idle opened'));
    idle.push(socket);
  }
  while (idle.length > 2000) idle.shift()?.destroy();
}, 1000);

const report = setInterval(() => process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), counts })}\n`), 10_000);
await Promise.all(Array.from({ length: Number(values.concurrency) }, worker));
clearInterval(idleTimer);
clearInterval(report);
for (const socket of idle) socket.destroy();
agent.destroy();
process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), done: true, counts })}\n`);
