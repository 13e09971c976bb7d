import { problemText } from '@veza/invite-rules';
import { expect } from '@jest/globals';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import {
  discordInviteCheck,
  discordMessagesSinceCheck,
  discordPinsCheck,
  errorRatioCheck,
  feedbackFormCheck,
  healthCheck,
  highTriageCheck,
  LAUNCH_DEFAULTS,
  launchSecrets,
  launchSettingsFromEnv,
  maintenanceCheck,
  minioClusterCheck,
  minioPrometheusCheck,
  pagerdutyIncidentsCheck,
  pagerdutyOnCallCheck,
} from '../index.js';
import { snowflakeAt } from './discord-checks.js';
import { INSTANT_FORM } from './launch-settings.js';
import { githubLabel } from '../testing.js';
import type { LaunchCheck, LaunchSettings } from '../index.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const PD_TOKEN = 'pd_TESTTOKEN_u+8Qz1xYw';
const BOT_TOKEN = 'discord_BOT_TESTTOKEN.abc123';
const GH_TOKEN = 'ghp_TESTTOKEN0123456789abcdefABCDEF';
const now = new Date('2026-12-01T19:00:00.000Z');
const fast = { backoffMs: 5, timeoutMs: 1_000, retries: 1, now: () => now };
const ENV = {
  BETA_START: '2026-12-01T16:00:00Z',
  BETA_END: '2026-12-15T18:00:00Z',
  PAGERDUTY_TOKEN: PD_TOKEN,
  PAGERDUTY_URL: 'https://pd.test',
  PAGERDUTY_SERVICE_IDS: 'PSVC1,PSVC2',
  PAGERDUTY_SCHEDULE_IDS: 'PSCHED1,PSCHED2',
  HEALTH_URL: 'https://api.veza.test/v1/health',
  MINIO_URL: 'https://minio.test:9000',
  PROM_URL: 'http://prom.test:9090',
  STATUSPAGE_URL: 'https://status.veza.test',
  FEEDBACK_URL: 'https://forms.test/beta',
  DISCORD_URL: 'https://discord.gg/vezaBeta',
  DISCORD_API_URL: 'https://discord.test/api/v10',
  DISCORD_BOT_TOKEN: BOT_TOKEN,
  GITHUB_API_URL: 'https://api.github.test',
  GITHUB_REPO: 'veza/veza',
  GITHUB_TOKEN: GH_TOKEN,
};

function settings(extra: Record<string, string | undefined> = {}): LaunchSettings {
  const parsed = launchSettingsFromEnv({ ...ENV, ...extra });
  if (!parsed.ok) throw new Error(parsed.problems.map(problemText).join('; '));
  return parsed.value;
}

type Fault = '401' | '429' | '503' | 'timeout' | 'malformed';
/** The answer of any API in trouble, in the shape its users see. */
async function faulty(fault: Fault): Promise<Response> {
  if (fault === 'timeout') {
    // longer than any budget below; unref'd so a finished run does not wait for it
    await new Promise((resolve) => setTimeout(resolve, 5_000).unref());
    return HttpResponse.json({});
  }
  if (fault === 'malformed') return new HttpResponse('<html>oops', { status: 200, headers: { 'content-type': 'text/html' } });
  if (fault === '429')
    return HttpResponse.json({ message: 'You are being rate limited.', retry_after: 0.01, global: false }, { status: 429 });
  return HttpResponse.json({ error: { message: 'nope' } }, { status: Number(fault) });
}
const FAULTS: Fault[] = ['401', '429', '503', 'timeout', 'malformed'];
const expectedReason: Record<Fault, string> = {
  '401': 'auth',
  '429': 'rate_limited',
  '503': 'unavailable',
  timeout: 'timeout',
  malformed: 'parse',
};

function noSecrets(check: LaunchCheck) {
  const text = JSON.stringify(check);
  for (const token of [PD_TOKEN, BOT_TOKEN, GH_TOKEN]) expect(text).not.toContain(token);
}

describe('PagerDuty open incidents', () => {
  const incidents = (list: unknown[], more = false) =>
    http.get('https://pd.test/incidents', ({ request }) => {
      expect(request.headers.get('authorization')).toBe(`Token token=${PD_TOKEN}`);
      expect(request.headers.get('accept')).toBe('application/vnd.pagerduty+json;version=2');
      const url = new URL(request.url);
      expect(url.searchParams.getAll('statuses[]')).toEqual(['triggered', 'acknowledged']);
      expect(url.searchParams.getAll('service_ids[]')).toEqual(['PSVC1', 'PSVC2']);
      const offset = Number(url.searchParams.get('offset'));
      return HttpResponse.json({ incidents: offset === 0 ? list : [], limit: 100, offset, more: offset === 0 && more, total: null });
    });

  it('✅ with none open', async () => {
    server.use(incidents([]));
    expect(await pagerdutyIncidentsCheck(settings(), fast)).toMatchObject({
      state: 'pass',
      summary: expect.stringContaining('0 triggered or acknowledged'),
    });
  });

  it('🔴 with one acknowledged, naming it; follows `more`', async () => {
    server.use(
      incidents(
        [
          {
            id: 'Q1',
            incident_number: 42,
            title: 'API 5xx',
            status: 'acknowledged',
            urgency: 'high',
            created_at: now.toISOString(),
            html_url: 'https://x.pagerduty.com/incidents/Q1',
            service: { id: 'PSVC1', summary: 'API' },
          },
        ],
        true,
      ),
    );
    const check = await pagerdutyIncidentsCheck(settings(), fast);
    expect(check).toMatchObject({ state: 'fail', summary: '1 open incident(s): #42 API 5xx (acknowledged)' });
    noSecrets(check);
  });

  it('⚪, not ✅ "0 incidents", when the 10 pages run out while PagerDuty still says more', async () => {
    let pages = 0;
    server.use(
      http.get('https://pd.test/incidents', ({ request }) => {
        pages++;
        const offset = Number(new URL(request.url).searchParams.get('offset'));
        return HttpResponse.json({ incidents: [], limit: 100, offset, more: true, total: null });
      }),
    );
    expect(await pagerdutyIncidentsCheck(settings(), fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('cut after 10 pages'),
    });
    expect(pages).toBe(10);
  });

  it.each(FAULTS)('⚪ on %s', async (fault) => {
    server.use(http.get('https://pd.test/incidents', () => faulty(fault)));
    const check = await pagerdutyIncidentsCheck(settings(), fault === 'timeout' ? { ...fast, timeoutMs: 200 } : fast);
    expect(check).toMatchObject({ state: 'unknown', reason: expectedReason[fault] });
    noSecrets(check);
  });

  it('not checked without a token, which is all it asks for: PAGERDUTY_SERVICE_IDS only narrows it (it said to set both)', async () => {
    const check = await pagerdutyIncidentsCheck(settings({ PAGERDUTY_TOKEN: undefined, PAGERDUTY_SERVICE_IDS: undefined }));
    expect(check).toMatchObject({ state: 'not_configured', summary: expect.stringContaining('PAGERDUTY_TOKEN') });
    expect(check.summary).not.toMatch(/PAGERDUTY_TOKEN and PAGERDUTY_SERVICE_IDS/);
  });
});

describe('PagerDuty on-call coverage', () => {
  const oncalls = (list: unknown[]) =>
    http.get('https://pd.test/oncalls', ({ request }) => {
      const url = new URL(request.url);
      expect(url.searchParams.getAll('schedule_ids[]')).toEqual(['PSCHED1', 'PSCHED2']);
      expect(url.searchParams.get('since')).toBe('2026-12-01T16:00:00.000Z');
      return HttpResponse.json({ oncalls: list, limit: 100, offset: 0, more: false, total: null });
    });
  const entry = (level: number, start: string | null, end: string | null, who = 'Ada', schedule = 'PSCHED1') => ({
    user: { id: 'U1', summary: who },
    schedule: { id: schedule, summary: 'Beta' },
    escalation_level: level,
    start,
    end,
  });

  it('a gap seen in a listing cut at 10 pages (more: true) is ⚪: the entries not read may cover it', async () => {
    server.use(
      http.get('https://pd.test/oncalls', () =>
        HttpResponse.json({ oncalls: [entry(1, null, null)], limit: 100, offset: 0, more: true, total: null }),
      ),
    );
    expect(await pagerdutyOnCallCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
  });

  it('✅ when two schedules together cover levels 1 and 2 over the window', async () => {
    server.use(
      oncalls([
        entry(1, '2026-12-01T00:00:00Z', '2026-12-08T00:00:00Z'),
        entry(1, '2026-12-08T00:00:00Z', null, 'Bob', 'PSCHED2'),
        entry(2, null, null, 'Cy'),
      ]),
    );
    expect(await pagerdutyOnCallCheck(settings(), fast)).toMatchObject({
      state: 'pass',
      summary: expect.stringContaining('primary: Ada, Bob; backup: Cy'),
    });
  });

  it('🔴 naming the gap when level 2 stops early', async () => {
    server.use(oncalls([entry(1, null, null), entry(2, '2026-12-01T00:00:00Z', '2026-12-10T00:00:00Z', 'Cy')]));
    expect(await pagerdutyOnCallCheck(settings(), fast)).toMatchObject({
      state: 'fail',
      summary: 'no backup (level 2) 2026-12-10T00:00:00.000Z → 2026-12-15T18:00:00.000Z',
    });
  });

  it('⚪ parse on an entry without escalation_level; not checked without the window', async () => {
    server.use(oncalls([{ user: { summary: 'x' }, start: null, end: null }]));
    expect(await pagerdutyOnCallCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
    expect(await pagerdutyOnCallCheck(settings({ BETA_END: undefined }), fast)).toMatchObject({
      state: 'not_configured',
      summary: expect.stringContaining('BETA_START and BETA_END'),
    });
  });
});

describe('backend health', () => {
  const health = (status: number, body: Record<string, string>) =>
    http.get('https://api.veza.test/v1/health', () => HttpResponse.json(body, { status }));
  it.each(['ok', 'HEALTHY', 'up', 'pass'])('✅ on 200 status %s', async (word) => {
    server.use(health(200, { status: word }));
    expect(await healthCheck(settings(), fast)).toMatchObject({ state: 'pass' });
  });
  it('🔴 on 200 with status degraded, and on 503', async () => {
    server.use(health(200, { status: 'degraded' }));
    expect(await healthCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: 'HTTP 200 but status "degraded"' });
    server.use(health(503, { status: 'down' }));
    expect(await healthCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: 'HTTP 503' });
  });
  it.each(['401', '429', 'timeout', 'malformed'] as Fault[])('⚪ on %s', async (fault) => {
    server.use(http.get('https://api.veza.test/v1/health', () => faulty(fault)));
    expect(await healthCheck(settings(), { ...fast, timeoutMs: 200 })).toMatchObject({ state: 'unknown', reason: expectedReason[fault] });
  });
});

describe('MinIO', () => {
  // What MinIO sends with the cluster probe (docs/metrics/healthcheck): an empty body.
  const MINIO_HEADERS = { Server: 'MinIO', 'X-Minio-Write-Quorum': '3', 'X-Amz-Request-Id': '16239D6AB80EBECF' };
  const cluster = 'https://minio.test:9000/minio/health/cluster';
  it('cluster health: ✅ 200, 🔴 503, ⚪ 401/timeout', async () => {
    server.use(http.get(cluster, () => new HttpResponse(null, { status: 200, headers: MINIO_HEADERS })));
    expect(await minioClusterCheck(settings(), fast)).toMatchObject({ state: 'pass' });
    // Behind a proxy that rewrites Server, the X-Minio headers still say who answered.
    server.use(http.get(cluster, () => new HttpResponse(null, { status: 200, headers: { Server: 'nginx', 'X-Minio-Write-Quorum': '3' } })));
    expect(await minioClusterCheck(settings(), fast)).toMatchObject({ state: 'pass' });
    server.use(http.get('https://minio.test:9000/minio/health/cluster', () => new HttpResponse(null, { status: 503 })));
    expect(await minioClusterCheck(settings(), fast)).toMatchObject({ state: 'fail' });
    server.use(http.get('https://minio.test:9000/minio/health/cluster', () => faulty('401')));
    expect(await minioClusterCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'auth' });
    server.use(http.get('https://minio.test:9000/minio/health/cluster', () => faulty('timeout')));
    expect(await minioClusterCheck(settings(), { ...fast, timeoutMs: 200 })).toMatchObject({ state: 'unknown', reason: 'timeout' });
  });
  it('cluster health: a 200 that is not MinIO (HTML page, {}, empty body without its headers) is ⚪ config, never ✅', async () => {
    const answers: [string, () => Response, string][] = [
      [
        'Console SPA',
        () => new HttpResponse('<!doctype html><html><title>MinIO Console</title></html>', { headers: { 'Content-Type': 'text/html' } }),
        'an HTML page',
      ],
      [
        'SSO page as text/plain',
        () => new HttpResponse('  <html><form action="/login">', { headers: { Server: 'MinIO' } }),
        'an HTML page',
      ],
      ['{}', () => HttpResponse.json({}), "without MinIO's headers"],
      ['empty body', () => new HttpResponse(null, { status: 200 }), "without MinIO's headers"],
    ];
    for (const [, answer, why] of answers) {
      server.use(http.get(cluster, answer));
      expect(await minioClusterCheck(settings(), fast)).toMatchObject({
        state: 'unknown',
        reason: 'config',
        summary: expect.stringContaining(why),
      });
    }
  });
  it('cluster health: a redirect to another origin (an SSO gateway) is not followed: ⚪ config naming MINIO_URL', async () => {
    // no handler for sso.test: following the redirect would fail the test (onUnhandledRequest: 'error')
    server.use(
      http.get(cluster, () => new HttpResponse(null, { status: 302, headers: { Location: 'https://sso.test/login?next=/minio' } })),
    );
    expect(await minioClusterCheck(settings(), fast)).toMatchObject({
      state: 'unknown',
      reason: 'config',
      summary: expect.stringContaining('points at https://sso.test, not https://minio.test:9000: not followed'),
    });
    // on its own origin a redirect is followed, and MinIO's answer counts
    server.use(
      http.get(cluster, () => new HttpResponse(null, { status: 301, headers: { Location: '/s3/minio/health/cluster' } })),
      http.get('https://minio.test:9000/s3/minio/health/cluster', () => new HttpResponse(null, { status: 200, headers: MINIO_HEADERS })),
    );
    expect(await minioClusterCheck(settings(), fast)).toMatchObject({ state: 'pass' });
  });

  const prom = (values: string[]) =>
    http.get('http://prom.test:9090/api/v1/query', ({ request }) => {
      const query = new URL(request.url).searchParams.get('query');
      return HttpResponse.json({
        status: 'success',
        data: { resultType: 'vector', result: values.map((v) => ({ metric: { query }, value: [1_780_000_000, v] })) },
      });
    });
  it('offline drives via Prometheus: ✅ 0, 🔴 2, ⚪ empty, 5xx, malformed', async () => {
    server.use(prom(['0']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({
      state: 'pass',
      summary: expect.stringContaining('sum(minio_cluster_drive_offline_total)'),
    });
    server.use(prom(['2']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('2 offline drive(s)'),
    });
    server.use(prom([]));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
    for (const fault of ['503', 'malformed', '429'] as Fault[]) {
      server.use(http.get('http://prom.test:9090/api/v1/query', () => faulty(fault)));
      expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: expectedReason[fault] });
    }
  });

  it('5xx ratio: ✅ under the ceiling, 🔴 over, ⚪ NaN (no traffic)', async () => {
    server.use(prom(['0.002']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'pass', summary: '5xx ratio 0.20 % (max 1.00 %)' });
    server.use(prom(['0.05']));
    expect(await errorRatioCheck(settings({ PROM_5XX_MAX: '0.02' }), fast)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('5.00 % (max 2.00 %)'),
    });
    // just past the ceiling: the share shown is past it too, not "1.00 % (max 1.00 %): a spike"
    server.use(prom(['0.01004']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: '5xx ratio 1.01 % (max 1.00 %): a spike' });
    server.use(prom(['0.0102']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: '5xx ratio 1.02 % (max 1.00 %): a spike' });
    server.use(prom(['NaN']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
  });

  it('an answer with warnings (partial) that would pass is ⚪ no_data; one that fails stays 🔴', async () => {
    const partial = (values: string[]) =>
      http.get('http://prom.test:9090/api/v1/query', () =>
        HttpResponse.json({
          status: 'success',
          data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1_780_000_000, v] })) },
          warnings: ['partial response: store 10.0.0.3:10901 unavailable'],
        }),
      );
    server.use(partial(['0']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: 'Prometheus warned that the answer may be partial: partial response: store 10.0.0.3:10901 unavailable',
    });
    server.use(partial(['0.002']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
    server.use(partial(['1']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({ state: 'fail' });
    server.use(partial(['0.5']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'fail' });
  });

  it('an info annotation in warnings (Prometheus before 2.54: "PromQL info: metric might not be a counter") is no partial answer: ✅; a warning beside it still ⚪', async () => {
    // ingress-nginx's request counter has no _total: on the 2.53 LTS every evaluation of its 5xx ratio carried
    // this, and the hour-1 item was ⚪ for good on a healthy launch
    const query = 'sum(rate(nginx_ingress_controller_requests{status=~"5.."}[1h])) / sum(rate(nginx_ingress_controller_requests[1h]))';
    const info =
      'PromQL info: metric might not be a counter, name does not end in _total/_sum/_count/_bucket: "nginx_ingress_controller_requests" (1:10)';
    const annotated = (warnings: string[]) =>
      http.get('http://prom.test:9090/api/v1/query', () =>
        HttpResponse.json({
          status: 'success',
          data: { resultType: 'vector', result: [{ metric: {}, value: [1_780_000_000, '0.002'] }] },
          warnings,
        }),
      );
    server.use(annotated([info]));
    expect(await errorRatioCheck(settings({ PROM_5XX_QUERY: query }), fast)).toMatchObject({ state: 'pass' });
    server.use(annotated([info, 'partial response: store 10.0.0.3:10901 unavailable']));
    expect(await errorRatioCheck(settings({ PROM_5XX_QUERY: query }), fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: 'Prometheus warned that the answer may be partial: partial response: store 10.0.0.3:10901 unavailable',
    });
  });

  it('a VictoriaMetrics cluster answer with "isPartial": true that would pass is ⚪ no_data; one that fails stays 🔴', async () => {
    const partial = (values: string[]) =>
      http.get('http://prom.test:9090/api/v1/query', () =>
        HttpResponse.json({
          status: 'success',
          isPartial: true,
          data: { resultType: 'vector', result: values.map((v) => ({ metric: {}, value: [1_780_000_000, v] })) },
        }),
      );
    server.use(partial(['0']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('isPartial: true'),
    });
    server.use(partial(['0.002']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
    server.use(partial(['0.5']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'fail' });
  });

  it('one series NaN (a service with no traffic) beside one over the ceiling: 🔴, not ⚪; beside ones that pass: ⚪ saying how many', async () => {
    server.use(prom(['NaN', '0.2']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: '5xx ratio 20.00 % (max 1.00 %): a spike' });
    server.use(prom(['NaN', '0.001']));
    expect(await errorRatioCheck(settings(), fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('1 of 2 series of'),
    });
    server.use(prom(['NaN', '3']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('3 offline drive(s)'),
    });
    server.use(prom(['NaN', '0']));
    expect(await minioPrometheusCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
  });
});

describe('status page maintenance', () => {
  const summary = (maintenances: unknown[]) =>
    http.get('https://status.veza.test/api/v2/summary.json', () =>
      HttpResponse.json({
        page: { id: 'p' },
        status: { indicator: 'maintenance' },
        components: [],
        incidents: [],
        scheduled_maintenances: maintenances,
      }),
    );
  const m = (status: string, from: string, until: string) => ({
    id: 'm1',
    name: 'Beta period',
    status,
    impact: 'maintenance',
    scheduled_for: from,
    scheduled_until: until,
  });
  it('✅ when one covers the window, 🔴 when it ends early or is completed', async () => {
    server.use(summary([m('scheduled', '2026-12-01T00:00:00Z', '2026-12-16T00:00:00Z')]));
    expect(await maintenanceCheck(settings(), fast)).toMatchObject({ state: 'pass' });
    server.use(summary([m('in_progress', '2026-12-01T00:00:00Z', '2026-12-05T00:00:00Z')]));
    expect(await maintenanceCheck(settings(), fast)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('declared: "Beta period"'),
    });
    server.use(summary([m('completed', '2026-12-01T00:00:00Z', '2026-12-16T00:00:00Z')]));
    expect(await maintenanceCheck(settings(), fast)).toMatchObject({ state: 'fail' });
  });
  it.each(['503', 'malformed'] as Fault[])('⚪ on %s', async (fault) => {
    server.use(http.get('https://status.veza.test/api/v2/summary.json', () => faulty(fault)));
    expect(await maintenanceCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: expectedReason[fault] });
  });
});

describe('feedback form', () => {
  it('✅ 200, 🔴 404, ⚪ 429 and timeout', async () => {
    server.use(http.get('https://forms.test/beta', () => new HttpResponse('<html>form</html>', { status: 200 })));
    expect(await feedbackFormCheck(settings(), fast)).toMatchObject({ state: 'pass' });
    server.use(http.get('https://forms.test/beta', () => new HttpResponse('gone', { status: 404 })));
    expect(await feedbackFormCheck(settings(), fast)).toMatchObject({ state: 'fail' });
    server.use(http.get('https://forms.test/beta', () => faulty('429')));
    expect(await feedbackFormCheck(settings(), fast)).toMatchObject({ state: 'unknown', reason: 'rate_limited' });
    server.use(http.get('https://forms.test/beta', () => faulty('timeout')));
    expect(await feedbackFormCheck(settings(), { ...fast, timeoutMs: 200 })).toMatchObject({ state: 'unknown', reason: 'timeout' });
  });

  it('names where the redirects led: a sign-in page answers 200 too, and the URL shown is the one to look at', async () => {
    server.use(
      http.get(
        'https://forms.test/beta',
        () => new HttpResponse(null, { status: 302, headers: { location: 'https://accounts.test/signin?continue=beta&token=s3cret' } }),
      ),
      http.get(
        'https://accounts.test/signin',
        () => new HttpResponse('<html>Sign in to continue</html>', { status: 200, headers: { 'content-type': 'text/html' } }),
      ),
    );
    const check = await feedbackFormCheck(settings(), fast);
    expect(check).toMatchObject({
      state: 'pass',
      summary:
        'https://forms.test/beta → 200 after redirects to https://accounts.test/signin?continue=beta&token=***: check that this is the form',
    });
    // no redirect: the URL alone, as before
    server.use(http.get('https://forms.test/beta', () => new HttpResponse('<html>form</html>', { status: 200 })));
    expect(await feedbackFormCheck(settings(), fast)).toMatchObject({ state: 'pass', summary: 'https://forms.test/beta → 200' });
  });
});

describe('Discord', () => {
  const invite = (channel = 'beta-feedback', expiresAt: string | null = null) =>
    http.get('https://discord.test/api/v10/invites/vezaBeta', ({ request }) => {
      expect(request.headers.get('authorization')).toBeNull(); // the public lookup never carries the bot token
      return HttpResponse.json({
        type: 0,
        code: 'vezaBeta',
        expires_at: expiresAt,
        guild: { id: '1', name: 'Veza' },
        channel: { id: '555', name: channel, type: 0 },
        approximate_member_count: 12,
      });
    });
  it('invite: ✅ to the channel, 🔴 to another channel, 🔴 on 404 Unknown Invite', async () => {
    server.use(invite());
    expect(await discordInviteCheck(settings(), fast)).toMatchObject({ state: 'pass', summary: 'leads to #beta-feedback on Veza' });
    server.use(invite('general'));
    expect(await discordInviteCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: expect.stringContaining('#general') });
    server.use(
      http.get('https://discord.test/api/v10/invites/vezaBeta', () =>
        HttpResponse.json({ message: 'Unknown Invite', code: 10006 }, { status: 404 }),
      ),
    );
    expect(await discordInviteCheck(settings(), fast)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('Unknown Invite (10006)'),
    });
  });
  it('invite: 🔴 when it expires before BETA_END (the Discord default lives 7 days), with the date; ✅ when it outlives it', async () => {
    // Discord writes expires_at with microseconds and +00:00.
    server.use(invite('beta-feedback', '2026-12-08T19:00:00.000000+00:00'));
    expect(await discordInviteCheck(settings(), fast)).toMatchObject({
      state: 'fail',
      summary: 'the invite expires at 2026-12-08T19:00:00.000Z, before BETA_END (2026-12-15T18:00:00.000Z): create one that never expires',
    });
    server.use(invite('beta-feedback', '2026-12-20T00:00:00+00:00'));
    expect(await discordInviteCheck(settings(), fast)).toMatchObject({
      state: 'pass',
      summary: 'leads to #beta-feedback on Veza, valid until 2026-12-20T00:00:00.000Z',
    });
  });
  it('invite: without BETA_END, 🔴 when it expires within 30 days (the life of the invite codes); ⚪ parse on a garbage expires_at', async () => {
    const open = settings({ BETA_START: undefined, BETA_END: undefined });
    server.use(invite('beta-feedback', '2026-12-20T00:00:00+00:00'));
    expect(await discordInviteCheck(open, fast)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('expires at 2026-12-20T00:00:00.000Z, within 30 days (BETA_END unset)'),
    });
    server.use(invite('beta-feedback', '2027-02-01T00:00:00+00:00'));
    expect(await discordInviteCheck(open, fast)).toMatchObject({ state: 'pass' });
    server.use(invite('beta-feedback', 'next week'));
    expect(await discordInviteCheck(open, fast)).toMatchObject({ state: 'unknown', reason: 'parse' });
  });
  it.each(['429', '503', 'malformed', 'timeout'] as Fault[])('invite: ⚪ on %s', async (fault) => {
    server.use(http.get('https://discord.test/api/v10/invites/vezaBeta', () => faulty(fault)));
    expect(await discordInviteCheck(settings(), { ...fast, timeoutMs: 200 })).toMatchObject({
      state: 'unknown',
      reason: expectedReason[fault],
    });
  });
  it('pins with the bot token: ✅ one pinned, 🔴 none, ⚪ 401; the token is never shown', async () => {
    const pins = (list: unknown[], status = 200) =>
      http.get('https://discord.test/api/v10/channels/555/pins', ({ request }) => {
        expect(request.headers.get('authorization')).toBe(`Bot ${BOT_TOKEN}`);
        return HttpResponse.json(list, { status });
      });
    server.use(invite(), pins([{ id: '1', content: 'Ground rules' }]));
    expect(await discordPinsCheck(settings(), fast)).toMatchObject({ state: 'pass' });
    server.use(pins([]));
    expect(await discordPinsCheck(settings(), fast)).toMatchObject({ state: 'fail' });
    server.use(pins({ message: '401: Unauthorized', code: 0 } as unknown as unknown[], 401));
    const check = await discordPinsCheck(settings(), fast);
    expect(check).toMatchObject({ state: 'unknown', reason: 'auth' });
    noSecrets(check);
    expect(await discordPinsCheck(settings({ DISCORD_BOT_TOKEN: undefined }))).toMatchObject({ state: 'not_configured' });
  });
  it('pins and messages: 🔴 when the invite leads to another channel than DISCORD_CHANNEL; that channel is not read', async () => {
    // no handler for the other channel's pins or messages: reading them would fail the test (onUnhandledRequest: 'error')
    server.use(invite('general'));
    const expected = { state: 'fail', summary: 'the invite leads to #general, not #beta-feedback: that channel was not checked' };
    expect(await discordPinsCheck(settings(), fast)).toMatchObject(expected);
    expect(await discordMessagesSinceCheck(settings(), new Date('2026-12-01T18:00:00.000Z'), fast)).toMatchObject(expected);
  });
  it('the bot token never follows a redirect to another origin', async () => {
    server.use(
      invite(),
      http.get(
        'https://discord.test/api/v10/channels/555/pins',
        () => new HttpResponse(null, { status: 302, headers: { location: 'https://collector.test/steal' } }),
      ),
    );
    // no handler for collector.test: a request there would fail the test (onUnhandledRequest: 'error')
    const check = await discordPinsCheck(settings(), fast);
    expect(check).toMatchObject({
      state: 'unknown',
      reason: 'config',
      summary: expect.stringContaining('not followed, the token stays with https://discord.test'),
    });
    noSecrets(check);
  });

  it('messages since the send: after= is the snowflake of the first sent_at; bots do not count', async () => {
    const since = new Date('2026-12-01T18:00:00.000Z');
    expect(snowflakeAt(new Date(1_420_070_400_000 + 1))).toBe(String(1 << 22));
    const messages = (list: unknown[]) =>
      http.get('https://discord.test/api/v10/channels/555/messages', ({ request }) => {
        expect(new URL(request.url).searchParams.get('after')).toBe(snowflakeAt(since));
        return HttpResponse.json(list);
      });
    server.use(
      invite(),
      messages([{ id: '9', content: "I'm in", timestamp: now.toISOString(), author: { id: '2', username: 'ana', bot: false } }]),
    );
    expect(await discordMessagesSinceCheck(settings(), since, fast)).toMatchObject({ state: 'pass' });
    server.use(messages([{ id: '9', content: 'welcome', author: { id: '3', username: 'bot', bot: true } }]));
    expect(await discordMessagesSinceCheck(settings(), since, fast)).toMatchObject({ state: 'fail' });
    expect(await discordMessagesSinceCheck(settings(), null, fast)).toMatchObject({ state: 'unknown', reason: 'no_data' });
  });

  it('a full page (100) of bot messages since the send is ⚪ no_data, not 🔴: the testers may have written after them', async () => {
    const since = new Date('2026-12-01T18:00:00.000Z');
    const bots = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: String(1000 + i),
        content: `Welcome tester ${i}!`,
        author: { id: '3', username: 'welcome-bot', bot: true },
      }));
    server.use(
      invite(),
      http.get('https://discord.test/api/v10/channels/555/messages', () => HttpResponse.json(bots(100))),
    );
    expect(await discordMessagesSinceCheck(settings(), since, fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('the first 100 messages'),
    });
    // fewer than a page, all from bots: every message was read, none from a tester
    server.use(http.get('https://discord.test/api/v10/channels/555/messages', () => HttpResponse.json(bots(99))));
    expect(await discordMessagesSinceCheck(settings(), since, fast)).toMatchObject({ state: 'fail' });
  });
});

describe('HIGH issue triage', () => {
  const issues = (list: unknown[]) => http.get('https://api.github.test/repos/veza/veza/issues', () => HttpResponse.json(list));
  const issue = (n: number, minutesAgo: number, assignees: unknown[], comments: number) => ({
    number: n,
    title: `Bug ${n}`,
    created_at: new Date(now.getTime() - minutesAgo * 60_000).toISOString(),
    assignees,
    comments,
    html_url: `https://github.test/veza/veza/issues/${n}`,
  });
  it('✅ when every old one has an assignee or a comment; 🔴 for one untouched after 1 h', async () => {
    server.use(issues([issue(1, 120, [{ login: 'a' }], 0), issue(2, 90, [], 3), issue(3, 30, [], 0)]));
    expect(await highTriageCheck(settings(), fast)).toMatchObject({ state: 'pass' });
    server.use(issues([issue(4, 61, [], 0), { ...issue(5, 300, [], 0), pull_request: {} }]));
    expect(await highTriageCheck(settings(), fast)).toMatchObject({ state: 'fail', summary: expect.stringContaining('#4 Bug 4') });
  });
  it('⚪ config when HIGH_LABEL names a label the repository does not have (GitHub lists nothing for it)', async () => {
    const labels = http.get('https://api.github.test/repos/veza/veza/labels/:name', ({ request, params }) =>
      githubLabel(request, params['name'] as string, ['severity: high']),
    );
    server.use(issues([]), labels);
    const typo = await highTriageCheck(settings({ HIGH_LABEL: 'severity:high' }), fast);
    expect(typo).toMatchObject({
      state: 'unknown',
      reason: 'config',
      summary: expect.stringContaining('label "severity:high" does not exist in veza/veza'),
    });
    noSecrets(typo);
    expect(await highTriageCheck(settings(), fast)).toMatchObject({ state: 'pass' });
  });
  it('⚪, not ✅, when the 10 pages run out with more remaining and none untriaged so far', async () => {
    const page = Array.from({ length: 100 }, (_, i) => issue(i + 1, 300, [{ login: 'a' }], 0));
    server.use(
      http.get('https://api.github.test/repos/veza/veza/issues', ({ request }) => {
        const next = new URL(request.url);
        next.searchParams.set('page', String(Number(next.searchParams.get('page') ?? '1') + 1));
        return HttpResponse.json(page, { headers: { Link: `<${next}>; rel="next"` } });
      }),
    );
    expect(await highTriageCheck(settings(), fast)).toMatchObject({
      state: 'unknown',
      reason: 'no_data',
      summary: expect.stringContaining('cut after 10 pages'),
    });
  });
  it.each(['401', 'malformed'] as Fault[])('⚪ on %s', async (fault) => {
    server.use(http.get('https://api.github.test/repos/veza/veza/issues', () => faulty(fault)));
    const check = await highTriageCheck(settings(), fast);
    expect(check).toMatchObject({ state: 'unknown', reason: expectedReason[fault] });
    noSecrets(check);
  });
});

describe('launch settings', () => {
  it('lists every bad value', () => {
    expect(launchSettingsFromEnv({ HEALTH_URL: 'nope', PROM_5XX_MAX: '-1', BETA_START: 'tomorrow' })).toEqual({
      ok: false,
      problems: [
        { field: 'BETA_START', message: `must be ${INSTANT_FORM}` },
        { field: 'HEALTH_URL', message: 'must be an http(s) URL' },
        { field: 'PROM_5XX_MAX', message: 'must be a number ≥ 0' },
      ],
      warnings: [],
    });
  });

  it('BETA_START/BETA_END: the same instant on every machine; a time without a zone or another format is a problem naming the form', () => {
    const window = (env: Record<string, string>) => {
      const result = launchSettingsFromEnv(env);
      return result.ok ? result.value.window : result.problems;
    };
    expect(window({ BETA_START: '2026-12-01T16:00:00Z', BETA_END: '2026-12-15T19:00:00+01:00' })).toEqual({
      start: new Date('2026-12-01T16:00:00.000Z'),
      end: new Date('2026-12-15T18:00:00.000Z'),
    });
    // a date alone is UTC midnight, whatever TZ says
    expect(window({ BETA_START: '2026-12-01', BETA_END: '2026-12-15' })).toEqual({
      start: new Date('2026-12-01T00:00:00.000Z'),
      end: new Date('2026-12-15T00:00:00.000Z'),
    });
    for (const bad of ['2026-12-01T15:00:00', '1', '12/14/2026', 'Dec 14 2026', '2026-02-30', '2026-12-01T24:00:00Z', '2026-12-01 15:00Z'])
      expect(window({ BETA_START: '2026-12-01T00:00:00Z', BETA_END: bad })).toEqual([
        { field: 'BETA_END', message: `must be ${INSTANT_FORM}` },
      ]);
  });

  it('lists a window that ends before it starts with the other problems, and never quotes a token', () => {
    const result = launchSettingsFromEnv({
      BETA_START: '2026-12-02T09:00:00Z',
      BETA_END: '2026-12-01T09:00:00Z',
      GITHUB_REPO: 'not a repo',
      PAGERDUTY_TOKEN: 'pd-secret-token',
      PAGERDUTY_URL: 'ftp://pd-secret-token@example.test',
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        { field: 'PAGERDUTY_URL', message: 'must be an http(s) URL' },
        { field: 'GITHUB_REPO', message: 'must be owner/name' },
        { field: 'BETA_END', message: 'must be after BETA_START' },
      ],
      warnings: [],
    });
    expect(JSON.stringify(result)).not.toContain('pd-secret-token');
  });

  it('applies the defaults, trims, drops a leading # and clamps the timeout', () => {
    const result = launchSettingsFromEnv({
      PAGERDUTY_TOKEN: ' tok ',
      PAGERDUTY_SERVICE_IDS: 'P1, ,P2',
      DISCORD_CHANNEL: '#launch',
      GATE_TIMEOUT_MS: '1e9',
      HEALTH_URL: 'https://api.example.test/health//',
      CHECK_INTERVAL: '   ',
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result.value).toMatchObject({
      window: null,
      pagerduty: { url: LAUNCH_DEFAULTS.pagerdutyUrl, token: 'tok', serviceIds: ['P1', 'P2'], scheduleIds: [] },
      healthUrl: 'https://api.example.test/health',
      discord: { channel: 'launch', apiUrl: LAUNCH_DEFAULTS.discordApiUrl, botToken: null, inviteUrl: null },
      checkIntervalSeconds: LAUNCH_DEFAULTS.checkIntervalSeconds,
      prom5xxMax: LAUNCH_DEFAULTS.prom5xxMax,
      timeoutMs: 600_000,
    });
    expect(launchSecrets(result.value)).toEqual(['tok']);
  });
});
