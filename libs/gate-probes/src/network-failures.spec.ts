/**
 * Failures a mock cannot show, against real local servers: a TLS certificate
 * the client does not trust, and an answer whose connection closes mid-body.
 * Their reasons must say what is wrong, not "network error" or "terminated".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { healthCheck, launchSettingsFromEnv, postWebhook, statuspageProbe } from './index.js';
import type { LaunchSettings } from './index.js';

let dir: string;
let tls: Server;
let cut: Server;
let tlsUrl = '';
let cutUrl = '';

const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'veza-tls-'));
  // A self-signed certificate, as a staging server or a forgotten dev proxy has.
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-days', '1'].concat([
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ]),
    { stdio: 'ignore' },
  );
  tls = createTlsServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (_req, res) =>
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"ok"}'),
  );
  tlsUrl = `https://127.0.0.1:${await listen(tls)}`;
  // Promises 1,000 bytes, sends 20, then drops the connection.
  cut = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': '1000' });
    res.write('{"status":{"indicat', () => setTimeout(() => res.socket?.destroy(), 20));
  });
  cutUrl = `http://127.0.0.1:${await listen(cut)}`;
});
afterAll(async () => {
  tls.closeAllConnections();
  cut.closeAllConnections();
  await new Promise((resolve) => tls.close(resolve));
  await new Promise((resolve) => cut.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function launch(env: Record<string, string>): LaunchSettings {
  const parsed = launchSettingsFromEnv(env);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.value;
}
const fast = { backoffMs: 5, timeoutMs: 3_000, retries: 2 };

describe('a certificate the client does not trust', () => {
  it('is ⚪ config naming a certificate problem, at once: no retry', async () => {
    const gate = await statuspageProbe({ url: tlsUrl }, fast);
    expect(gate).toMatchObject({ state: 'unknown', reason: 'config', evidence: { attempts: 1 } });
    expect(gate.summary).toMatch(
      /^TLS certificate problem \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\): the server's certificate is not trusted/,
    );
    const item = await healthCheck(launch({ HEALTH_URL: `${tlsUrl}/health` }), fast);
    expect(item).toMatchObject({ state: 'unknown', reason: 'config', summary: expect.stringContaining('TLS certificate problem') });
  });
});

describe('a webhook behind a certificate the client does not trust', () => {
  it('is a failed post naming the certificate problem, at once (was "network error after 3 attempt(s)")', async () => {
    const result = await postWebhook(`${tlsUrl}/api/webhooks/1/s3cr3t-W3bh00k-T0ken`, { content: 'x' }, { retries: 2 });
    expect(result).toMatchObject({ ok: false, status: null, attempts: 1 });
    const message = result.ok ? '' : result.message;
    expect(message).toMatch(
      /^webhook https:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/\*\*\*\/\*\*\* failed: TLS certificate problem \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/,
    );
    expect(message).not.toContain('s3cr3t');
  });
});

describe('an answer cut mid-body', () => {
  it('says the answer was cut off (not "terminated"), after the retries', async () => {
    const gate = await statuspageProbe({ url: cutUrl }, fast);
    expect(gate).toMatchObject({
      state: 'unknown',
      reason: 'unavailable',
      summary: 'HTTP 200 but the answer was cut off before its end (the connection closed mid-body) after 3 attempts',
      evidence: { attempts: 3 },
    });
    const item = await healthCheck(launch({ HEALTH_URL: `${cutUrl}/health` }), fast);
    expect(item).toMatchObject({
      state: 'unknown',
      reason: 'unavailable',
      summary: 'HTTP 200 but the answer was cut off before its end (the connection closed mid-body)',
    });
  });
});
