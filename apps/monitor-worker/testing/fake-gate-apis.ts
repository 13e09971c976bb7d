import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the fake APIs answer; change it between runs of a loop. */
export interface FakeScenario {
  sentryIssues: number;
  /** Statuspage indicator */
  indicator: string;
  /** Prometheus series values; 'down' answers 503 (⚪ unavailable after retries) */
  prom: string[] | 'down';
  k6HoursAgo: number;
  highIssues: number;
  /** the webhook answers 500 this many times */
  webhookFailures: number;
}

export const FAKE_TOKENS = {
  sentry: 'sntrys_FAKE_0123456789abcdef',
  github: 'ghp_FAKE0123456789abcdefABCDEF',
  webhook: 'W3bh00kS3cr3t-abcdef',
};

/**
 * One real HTTP server that answers like Sentry, Statuspage, Prometheus and
 * GitHub for the monitor's child process (msw only works in-process), and
 * receives the Discord-style webhook.
 */
export class FakeGateApis {
  scenario: FakeScenario = { sentryIssues: 0, indicator: 'none', prom: ['1'], k6HoursAgo: 6, highIssues: 0, webhookFailures: 0 };
  readonly webhooks: { content: string }[] = [];
  readonly requests: string[] = [];
  private server: Server | null = null;
  base = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  get webhookUrl(): string {
    return `${this.base}/api/webhooks/42/${FAKE_TOKENS.webhook}`;
  }

  /** The gates' settings pointing at this server. */
  gateEnv(): Record<string, string> {
    return {
      SENTRY_AUTH_TOKEN: FAKE_TOKENS.sentry,
      SENTRY_ORG: 'veza',
      SENTRY_URL: `${this.base}/sentry`,
      STATUSPAGE_URL: `${this.base}/status`,
      PROM_URL: `${this.base}/prom`,
      GITHUB_API_URL: `${this.base}/github`,
      GITHUB_TOKEN: FAKE_TOKENS.github,
      GITHUB_REPO: 'veza/app',
      K6_WORKFLOW: 'k6-nightly.yml',
      GATE_TIMEOUT_MS: '3000',
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += (chunk as Buffer).toString('utf8');
    const url = new URL(req.url ?? '/', this.base);
    this.requests.push(`${req.method} ${url.pathname}`);
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    const s = this.scenario;
    const auth = req.headers.authorization;
    const path = url.pathname;

    if (req.method === 'POST' && path.startsWith('/api/webhooks/42/')) {
      if (s.webhookFailures > 0) {
        s.webhookFailures--;
        return json(500, { message: 'down' });
      }
      this.webhooks.push(JSON.parse(body) as { content: string });
      res.writeHead(204).end();
      return;
    }
    if (path === '/sentry/api/0/organizations/veza/issues/') {
      if (auth !== `Bearer ${FAKE_TOKENS.sentry}`) return json(401, { detail: 'Invalid token' });
      const issues = Array.from({ length: s.sentryIssues }, (_, i) => ({
        id: String(i),
        shortId: `VEZA-${i}`,
        title: `Crash ${i}`,
        level: 'error',
        status: 'unresolved',
        count: '3',
        permalink: `https://veza.sentry.io/issues/${i}/`,
      }));
      return json(200, issues, { 'X-Hits': String(issues.length), Link: `<${url}>; rel="next"; results="false"; cursor="0:100:0"` });
    }
    if (path === '/status/api/v2/summary.json') {
      const ok = s.indicator === 'none';
      return json(200, {
        page: { id: 'p', name: 'Veza' },
        status: { indicator: s.indicator, description: ok ? 'All Systems Operational' : 'Major System Outage' },
        components: [],
        incidents: [],
        scheduled_maintenances: [],
      });
    }
    if (path === '/prom/api/v1/query') {
      if (s.prom === 'down') return json(503, { status: 'error', errorType: 'unavailable', error: 'down' });
      return json(200, {
        status: 'success',
        data: {
          resultType: 'vector',
          result: s.prom.map((v, i) => ({ metric: { job: 'journey', instance: `p${i}` }, value: [Date.now() / 1000, v] })),
        },
      });
    }
    if (path === '/github/repos/veza/app/actions/workflows/k6-nightly.yml/runs') {
      if (auth !== `Bearer ${FAKE_TOKENS.github}`) return json(401, { message: 'Bad credentials' });
      const at = new Date(Date.now() - s.k6HoursAgo * 3_600_000).toISOString();
      return json(200, {
        total_count: 1,
        workflow_runs: [
          {
            id: 1,
            status: 'completed',
            conclusion: 'success',
            event: 'schedule',
            head_branch: 'main',
            created_at: at,
            run_started_at: at,
            updated_at: at,
            html_url: 'https://github.com/veza/app/actions/runs/1',
          },
        ],
      });
    }
    if (path === '/github/repos/veza/app/issues') {
      if (auth !== `Bearer ${FAKE_TOKENS.github}`) return json(401, { message: 'Bad credentials' });
      return json(
        200,
        Array.from({ length: s.highIssues }, (_, i) => ({
          number: i + 1,
          title: `High ${i}`,
          html_url: `https://github.com/veza/app/issues/${i + 1}`,
          labels: [{ name: 'severity: high' }],
        })),
        { 'x-ratelimit-remaining': '4999' },
      );
    }
    // The label lookup the HIGH issues gate makes when the list is empty: the repository has the default label.
    if (path.startsWith('/github/repos/veza/app/labels/')) {
      if (auth !== `Bearer ${FAKE_TOKENS.github}`) return json(401, { message: 'Bad credentials' });
      const name = decodeURIComponent(path.slice('/github/repos/veza/app/labels/'.length));
      if (name.toLowerCase() !== 'severity: high') return json(404, { message: 'Not Found' });
      return json(200, { id: 1, name: 'severity: high', color: 'b60205' });
    }
    json(404, { message: 'Not Found' });
  }
}
