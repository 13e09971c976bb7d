import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { initialEscalationState, postWebhook, redactWebhookUrl, runGateLoop } from './index.js';
import type { Escalation, EscalationState, GateRun, GateState } from './index.js';
import { abortableSleep } from './gate-loop.js';
import type { GateLoopProblem } from './gate-loop.js';
import type { WebhookPayload } from './webhook-payload.js';
import { sampleGateRun } from './testing.js';

/** A Discord-like receiver: POST /api/webhooks/:id/:token, 204; `failNext` answers 500 that many times. */
class Receiver {
  readonly bodies: WebhookPayload[] = [];
  failNext = 0;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST' || req.headers['content-type'] !== 'application/json') return void res.writeHead(400).end();
        if (this.failNext > 0) {
          this.failNext--;
          return void res.writeHead(500).end('{"message":"oops"}');
        }
        this.bodies.push(JSON.parse(body) as WebhookPayload);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/webhooks/1234567890/s3cr3t-W3bh00k-T0ken`;
  }
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A run whose six gates are all ✅ except the given states (in GATE_IDS order). */
function runWith(states: Partial<Record<'testers' | 'sentry' | 'synthetic', GateState>>, at: number): GateRun {
  const base = sampleGateRun();
  const gates = base.gates.map((g) => {
    const state = states[g.id as keyof typeof states] ?? 'pass';
    return { ...g, state, reason: state === 'unknown' ? ('timeout' as const) : null };
  });
  const verdict = gates.some((g) => g.state === 'fail') ? 'NO-GO' : gates.some((g) => g.state === 'unknown') ? 'INCONCLUSIVE' : 'GO';
  const stamp = new Date(Date.UTC(2026, 5, 12, 17, at)).toISOString();
  return { startedAt: stamp, finishedAt: stamp, verdict, exitCode: ({ GO: 0, 'NO-GO': 1, INCONCLUSIVE: 2 } as const)[verdict], gates };
}

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());
beforeEach(() => {
  receiver.bodies.length = 0;
  receiver.failNext = 0;
});

/** Plays the given runs in order, with no real pause between them. */
function scripted(runs: GateRun[]) {
  let i = 0;
  return { checkOnce: () => Promise.resolve(runs[Math.min(i++, runs.length - 1)]!), intervalMs: 0 };
}

describe('runGateLoop', () => {
  it('turns a gate ⚪ for longer than unknownMaxMs into 🔴, stores every run, and posts each verdict change exactly once', async () => {
    const runs = [
      runWith({}, 0), // GO
      runWith({ synthetic: 'unknown' }, 5), // INCONCLUSIVE
      runWith({ synthetic: 'unknown' }, 10), // INCONCLUSIVE
      runWith({ synthetic: 'unknown' }, 15), // ⚪ for 10 min > 9 → 🔴 NO-GO
      runWith({ synthetic: 'unknown' }, 20), // still NO-GO: no post
      runWith({}, 25), // GO again
    ];
    const saved: Escalation[] = [];
    const shown: number[] = [];
    const result = await runGateLoop({
      ...scripted(runs),
      unknownMaxMs: 9 * 60_000,
      maxRuns: runs.length,
      onRun: (_step, n) => void shown.push(n),
      saveRun: (step) => Promise.resolve(void saved.push(step)),
      postWebhook: (payload) => postWebhook(receiver.url, payload),
    });

    expect(result).toMatchObject({ runs: 6, exitCode: 0, stoppedBy: 'max_runs', webhooksPosted: 4 });
    expect(shown).toEqual([1, 2, 3, 4, 5, 6]);
    expect(saved.map((s) => s.run.verdict)).toEqual(['GO', 'INCONCLUSIVE', 'INCONCLUSIVE', 'NO-GO', 'NO-GO', 'GO']);
    const since = '2026-06-12T17:05:00.000Z';
    expect(saved.map((s) => s.state.unknownSince.synthetic)).toEqual([null, since, since, since, since, null]);
    const escalated = saved[3]!.run.gates.find((g) => g.id === 'synthetic')!;
    expect(escalated).toMatchObject({ state: 'fail', reason: 'unknown_too_long' });
    expect(receiver.bodies.map((b) => b.content.split('\n')[0])).toEqual([
      '✅ **GO**: beta gates at 2026-06-12T17:00:00.000Z',
      '⚪ **INCONCLUSIVE** (was ✅ GO): beta gates at 2026-06-12T17:05:00.000Z',
      '🔴 **NO-GO** (was ⚪ INCONCLUSIVE): beta gates at 2026-06-12T17:15:00.000Z',
      '✅ **GO** (was 🔴 NO-GO): beta gates at 2026-06-12T17:25:00.000Z',
    ]);
    expect(receiver.bodies[2]!.embeds?.[0]?.fields.find((f) => f.name.includes('Synthetic'))?.value).toContain('unknown_too_long');
  });

  it('resumes ⚪ clocks and the last verdict from the store: no repeated announcement after a restart', async () => {
    const since = '2026-06-12T17:00:00.000Z';
    const stored: EscalationState = {
      ...initialEscalationState(),
      verdict: 'INCONCLUSIVE',
      unknownSince: { ...initialEscalationState().unknownSince, sentry: since },
    };
    const saved: Escalation[] = [];
    const result = await runGateLoop({
      ...scripted([runWith({ sentry: 'unknown' }, 30)]),
      unknownMaxMs: 40 * 60_000,
      maxRuns: 1,
      loadState: () => Promise.resolve(stored),
      saveRun: (step) => Promise.resolve(void saved.push(step)),
      postWebhook: (payload) => postWebhook(receiver.url, payload),
    });
    expect(result).toMatchObject({ runs: 1, exitCode: 2, webhooksPosted: 0 });
    expect(saved[0]!.state.unknownSince.sentry).toBe(since);
    expect(receiver.bodies).toEqual([]);
  });

  it('announces a verdict a one-off check stored without a webhook: the monitor compares with the verdict last announced', async () => {
    // a one-off `gates check` (no webhook) stores NO-GO first
    const saved: Escalation[] = [];
    await runGateLoop({
      ...scripted([runWith({ sentry: 'fail' }, 0)]),
      maxRuns: 1,
      saveRun: (step) => Promise.resolve(void saved.push(step)),
    });
    expect(saved[0]!.state).toMatchObject({ verdict: 'NO-GO', announced: null });
    // then the monitor, with its webhook, sees the same NO-GO: nobody announced it yet
    const monitor = await runGateLoop({
      ...scripted([runWith({ sentry: 'fail' }, 5), runWith({ sentry: 'fail' }, 10)]),
      maxRuns: 2,
      loadState: () => Promise.resolve(saved[0]!.state),
      saveRun: (step) => Promise.resolve(void saved.push(step)),
      postWebhook: (payload) => postWebhook(receiver.url, payload),
    });
    expect(monitor).toMatchObject({ runs: 2, webhooksPosted: 1 });
    expect(receiver.bodies.map((b) => b.content.split('\n')[0])).toEqual(['🔴 **NO-GO**: beta gates at 2026-06-12T17:05:00.000Z']);
    expect(saved.at(-1)!.state.announced).toBe('NO-GO');
  });

  it('reports a failing webhook with its URL redacted and goes on; the change it missed is posted by the next run', async () => {
    receiver.failNext = 10;
    const problems: GateLoopProblem[] = [];
    const saved: Escalation[] = [];
    const result = await runGateLoop({
      ...scripted([runWith({}, 0), runWith({}, 5), runWith({ testers: 'fail' }, 10)]),
      maxRuns: 3,
      onProblem: (p) => problems.push(p),
      saveRun: (step) => Promise.resolve(void saved.push(step)),
      postWebhook: (payload) =>
        postWebhook(receiver.url, payload, { retries: 1, maxRetryWaitMs: 10 }).finally(() => (receiver.failNext = 0)),
    });
    // run 1 (GO, a change) fails to post; run 2 (GO) posts it again; run 3 (NO-GO) is a change
    expect(result).toMatchObject({ runs: 3, exitCode: 1, webhooksPosted: 2 });
    // stored after the post: a process started after run 1 (cron) would see the unannounced change too
    expect(saved.map((step) => [step.run.verdict, step.state.announced])).toEqual([
      ['GO', null],
      ['GO', 'GO'],
      ['NO-GO', 'NO-GO'],
    ]);
    expect(problems).toEqual([
      {
        stage: 'webhook',
        message: expect.stringMatching(
          /^webhook http:\/\/127\.0\.0\.1:\d+\/api\/webhooks\/\*\*\*\/\*\*\* failed: HTTP 500 after 2 attempt\(s\)$/,
        ),
      },
    ]);
    expect(JSON.stringify(problems)).not.toContain('s3cr3t');
    expect(receiver.bodies.map((b) => b.content.split(':')[0])).toEqual([
      expect.stringMatching(/^✅ \*\*GO\*\*/),
      '🔴 **NO-GO** (was ✅ GO)',
    ]);
  });

  it('keeps going when storing fails, and starts afresh from an unreadable stored state', async () => {
    const problems: GateLoopProblem[] = [];
    const result = await runGateLoop({
      ...scripted([runWith({}, 0), runWith({}, 5)]),
      maxRuns: 2,
      loadState: () => Promise.resolve({ schemaVersion: 9 } as unknown as EscalationState),
      saveRun: () => Promise.reject(new Error('permission denied for table gate_runs')),
      onProblem: (p) => problems.push(p),
    });
    expect(result.runs).toBe(2);
    expect(problems.map((p) => p.stage)).toEqual(['load', 'save', 'save']);
    expect(problems[0]!.message).toContain('starting afresh');
  });

  it('stops during the pause when the signal aborts, and discards a run cut short', async () => {
    const controller = new AbortController();
    let checks = 0;
    const started = Date.now();
    const result = await runGateLoop({
      checkOnce: (signal) => {
        checks++;
        if (checks === 2) {
          controller.abort();
          expect(signal.aborted).toBe(true);
        }
        return Promise.resolve(runWith({ synthetic: 'unknown' }, checks));
      },
      intervalMs: 200,
      signal: controller.signal,
    });
    expect(result).toMatchObject({ runs: 1, exitCode: 2, stoppedBy: 'signal' });
    expect(Date.now() - started).toBeLessThan(2_000);

    const stopper = new AbortController();
    setTimeout(() => stopper.abort(), 50);
    const t0 = Date.now();
    const paused = await runGateLoop({ ...scripted([runWith({}, 0)]), intervalMs: 60_000, signal: stopper.signal });
    expect(paused).toMatchObject({ runs: 1, exitCode: 0, stoppedBy: 'signal' });
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('measures the pause and the run deadline on a monotonic clock: the wall clock set back or forward changes neither', async () => {
    const realNow = Date.now.bind(Date);
    let shift = 0;
    const spy = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + shift);
    const pauses: number[] = [];
    const problems: GateLoopProblem[] = [];
    const saved: number[] = [];
    try {
      const result = await runGateLoop({
        checkOnce: () => {
          // NTP (or an operator) sets the clock back an hour during the first run, forward two hours during the second
          shift += shift === 0 ? -3_600_000 : 7_200_000;
          return Promise.resolve(runWith({}, 0));
        },
        intervalMs: 300_000,
        runTimeoutMs: 30_000,
        maxRuns: 3,
        sleep: (ms) => {
          pauses.push(ms);
          return Promise.resolve();
        },
        saveRun: () => new Promise((resolve) => setTimeout(() => resolve(void saved.push(1)), 20)),
        onProblem: (p) => problems.push(p),
      });
      expect(result.runs).toBe(3);
    } finally {
      spy.mockRestore();
    }
    // before: the first pause was 65 min (the hour set back added to it), and the second run had "0 ms left" to store
    expect(pauses.every((ms) => ms <= 300_000 && ms > 299_000)).toBe(true);
    expect(problems).toEqual([]);
    expect(saved).toHaveLength(3);
  });

  it('ends every run by its deadline: gates still probing are ⚪, a hanging store and webhook are left behind', async () => {
    const problems: GateLoopProblem[] = [];
    const reasons: unknown[] = [];
    const never = new Promise<never>(() => undefined);
    const t0 = Date.now();
    const result = await runGateLoop({
      // like runGates: resolves when its signal aborts, with the unfinished gate ⚪
      checkOnce: (signal) =>
        new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            reasons.push((signal.reason as Error).message);
            resolve(runWith({ sentry: 'unknown' }, 0));
          }),
        ),
      intervalMs: 0,
      runTimeoutMs: 300,
      maxRuns: 2,
      saveRun: () => never,
      postWebhook: () => never,
      onProblem: (p) => problems.push(p),
    });
    expect(result).toMatchObject({ runs: 2, exitCode: 2, stoppedBy: 'max_runs' });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(reasons).toEqual(['run deadline of 300 ms reached', 'run deadline of 300 ms reached']);
    // the first run's verdict is a change; its post never ends, so the second run still has it to announce
    expect(problems.map((p) => p.stage)).toEqual(['webhook', 'save', 'webhook', 'save']);
    expect(problems[0]!.message).toMatch(/^not done by the run deadline \(\d+ ms left\): left behind$/);
  });

  it('gives up a check that ignores the run deadline, reports it, and goes on', async () => {
    const problems: GateLoopProblem[] = [];
    const t0 = Date.now();
    const result = await runGateLoop({
      checkOnce: () => new Promise<never>(() => undefined),
      intervalMs: 0,
      runTimeoutMs: 200,
      maxRuns: 3,
      onProblem: (p) => problems.push(p),
    });
    expect(result).toMatchObject({ runs: 3, exitCode: 2, last: null });
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(problems).toHaveLength(3);
    expect(problems[0]!.message).toContain('run discarded');
  });

  it('refuses unusable options', async () => {
    await expect(runGateLoop({ ...scripted([runWith({}, 0)]), unknownMaxMs: 0 })).rejects.toMatchObject({ code: 'GATES_CONFIG_INVALID' });
    await expect(runGateLoop({ ...scripted([runWith({}, 0)]), runTimeoutMs: Number.NaN })).rejects.toMatchObject({
      code: 'GATES_CONFIG_INVALID',
    });
    await expect(runGateLoop({ ...scripted([runWith({}, 0)]), maxRuns: 0 })).rejects.toMatchObject({ code: 'GATES_CONFIG_INVALID' });
    await expect(runGateLoop({ ...scripted([runWith({}, 0)]), intervalMs: -1 })).rejects.toMatchObject({ code: 'GATES_CONFIG_INVALID' });
  });
});

describe('webhook helpers', () => {
  it('redacts the secret parts of webhook URLs', () => {
    expect(redactWebhookUrl('https://discord.com/api/webhooks/123456/AbC-token_xyz')).toBe('https://discord.com/api/webhooks/***/***');
    expect(redactWebhookUrl('https://hooks.slack.com/services/T000/B000/XXXX')).toBe('https://hooks.slack.com/services/***/***/***');
    expect(redactWebhookUrl('https://example.test/hook?token=abc')).toBe('https://example.test/hook?***');
    expect(redactWebhookUrl('not a url with s3cr3t')).toBe('(unparsable webhook URL)');
  });

  it('reports an unreachable receiver without throwing', async () => {
    const result = await postWebhook('http://127.0.0.1:9/api/webhooks/1/tok3n', { content: 'x' }, { retries: 0 });
    expect(result).toMatchObject({ ok: false, status: null, attempts: 1 });
    expect(!result.ok && result.message).toBe('webhook http://127.0.0.1:9/api/webhooks/***/*** failed: network error after 1 attempt(s)');
  });

  it.each([301, 307])('does not follow a %i: the post failed, the other URL is never called, the token is not shown', async (status) => {
    // The other end answers 200 to anything, as Discord answers a GET on a webhook URL.
    const hits: string[] = [];
    const other = createServer((req, res) => (hits.push(`${req.method}`), res.writeHead(200).end('{}')));
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(other.address() as AddressInfo).port}/api/webhooks/1/s3cr3t-W3bh00k-T0ken`;
    const moving = createServer((_req, res) => res.writeHead(status, { Location: target }).end());
    await new Promise<void>((resolve) => moving.listen(0, '127.0.0.1', resolve));
    const port = (moving.address() as AddressInfo).port;
    try {
      const result = await postWebhook(`http://127.0.0.1:${port}/api/webhooks/1/s3cr3t-W3bh00k-T0ken`, { content: 'x' }, { retries: 2 });
      expect(result).toMatchObject({ ok: false, status, attempts: 1 });
      const message = result.ok ? '' : result.message;
      expect(message).toContain(`HTTP ${status}`);
      expect(message).toContain('redirects');
      expect(message).toContain(`http://127.0.0.1:${port}/api/webhooks/***/***`);
      expect(message).not.toContain('s3cr3t');
      expect(hits).toEqual([]);
    } finally {
      await new Promise((resolve) => moving.close(resolve));
      await new Promise((resolve) => other.close(resolve));
    }
  });

  it('honours a 429 Retry-After: waits a short one, and does not post again before a long one', async () => {
    const hits: number[] = [];
    let retryAfter = '1';
    const limited = createServer((req, res) => {
      req.resume();
      hits.push(Date.now());
      if (hits.length === 1 || retryAfter === '30') return void res.writeHead(429, { 'Retry-After': retryAfter }).end('{"retry_after":1}');
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => limited.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(limited.address() as AddressInfo).port}/api/webhooks/1/s3cr3t-W3bh00k-T0ken`;
    try {
      expect(await postWebhook(url, { content: 'x' })).toMatchObject({ ok: true, attempts: 2 });
      expect(hits[1]! - hits[0]!).toBeGreaterThanOrEqual(950);
      hits.length = 0;
      retryAfter = '30';
      const t0 = Date.now();
      const result = await postWebhook(url, { content: 'x' });
      // before: posted again after 5 s (the cap), refused again, two requests in the 30 s Discord asked to wait
      expect(result).toMatchObject({ ok: false, status: 429, attempts: 1 });
      expect(!result.ok && result.message).toMatch(/HTTP 429, Retry-After 30 s, longer than this post may wait/);
      expect(!result.ok && result.message).not.toContain('s3cr3t');
      expect(hits).toHaveLength(1);
      expect(Date.now() - t0).toBeLessThan(1_000);
    } finally {
      await new Promise((resolve) => limited.close(resolve));
    }
  });

  it("a 2xx whose body never ends is delivered at once: the body is not read (an endless one filled GBs of memory until the post's deadline)", async () => {
    // headers, a first kilobyte, then nothing more: the old post read the body to its end, so waited its whole budget
    let answered!: () => void;
    const closedByClient = new Promise<void>((resolve) => (answered = resolve));
    const streaming = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(Buffer.alloc(1024, 97));
      res.on('close', answered);
    });
    await new Promise<void>((resolve) => streaming.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(streaming.address() as AddressInfo).port}/api/webhooks/1/s3cr3t-W3bh00k-T0ken`;
    try {
      const t0 = performance.now();
      const result = await postWebhook(url, { content: 'x' }, { timeoutMs: 60_000 });
      expect(result).toEqual({ ok: true, status: 200, attempts: 1 });
      expect(performance.now() - t0).toBeLessThan(30_000); // not the 60 s budget
      await closedByClient; // the connection is let go, not held open to the end of a body nobody reads
    } finally {
      streaming.closeAllConnections();
      await new Promise((resolve) => streaming.close(resolve));
    }
  }, 45_000);

  it('abortableSleep resolves at once on abort', async () => {
    const c = new AbortController();
    const t0 = Date.now();
    const pending = abortableSleep(60_000, c.signal);
    c.abort();
    await pending;
    expect(Date.now() - t0).toBeLessThan(1_000);
  });
});
