import { problemText } from '@veza/invite-rules';
import { GATE_DEFAULTS, GATE_ENV_VARS, gatesConfigFromEnv, unconfiguredGates } from './index.js';
import { GATE_SETTINGS_SCHEMA } from './config.js';
import { LAUNCH_ENV_VARS } from './launch/launch-settings.js';

const full = {
  TESTERS_TARGET: '50',
  TESTERS_COHORT: 'creators-2026',
  SENTRY_AUTH_TOKEN: 'sntrys_abc',
  SENTRY_ORG: 'veza',
  STATUSPAGE_URL: 'https://status.veza.app/api/v2/status.json',
  PROM_URL: 'http://prometheus:9090/',
  GITHUB_TOKEN: 'ghp_x',
  GITHUB_REPO: 'veza/app',
  K6_WORKFLOW: 'k6-nightly.yml',
};

describe('gatesConfigFromEnv', () => {
  it.each(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY'])(
    'warns when %s is set that the gates do not go through a proxy (Node 20 fetch ignores it: the APIs ended ⚪ "no answer" with no word why), never showing its value',
    (name) => {
      const result = gatesConfigFromEnv({ ...full, [name]: 'http://corp:PROXYSECRET@proxy.corp:3128' });
      const text = result.warnings.map(problemText).join('\n');
      expect(text).toContain(
        `${name} is set, but the gates do not use a proxy: Sentry, the status page, Prometheus and GitHub are asked directly`,
      );
      expect(text).not.toContain('PROXYSECRET');
      expect(text).not.toContain('proxy.corp');
    },
  );

  it.each([
    ['NO_PROXY=* (every host asked directly, on purpose)', { HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: '*' }],
    [
      'NO_PROXY naming every host the gates ask (a name, a domain with its dot, a host:port)',
      {
        HTTPS_PROXY: 'http://proxy.corp:3128',
        HTTP_PROXY: 'http://proxy.corp:3128',
        no_proxy: 'sentry.io, .veza.app,prometheus:9090 ,api.github.com',
      },
    ],
    [
      'HTTP_PROXY while every gate asks over https (curl uses it for http:// URLs only)',
      { HTTP_PROXY: 'http://proxy.corp:3128', PROM_URL: 'https://prom.veza.app' },
    ],
  ])('says nothing of a proxy the gates would not use anyway: %s (it warned on every monitor run)', (_case, proxy) => {
    expect(gatesConfigFromEnv({ ...full, ...proxy }).warnings).toEqual([]);
  });

  it('still warns when NO_PROXY leaves out one host the gates ask through that proxy, or names the host with another port', () => {
    const warned = (env: Record<string, string>) => gatesConfigFromEnv({ ...full, HTTPS_PROXY: 'http://proxy.corp:3128', ...env }).warnings;
    expect(warned({ NO_PROXY: '.veza.app,prometheus,api.github.com' }).map((w) => w.field)).toEqual(['HTTPS_PROXY']);
    expect(warned({ NO_PROXY: 'sentry.io:8443,.veza.app,api.github.com' }).map((w) => w.field)).toEqual(['HTTPS_PROXY']);
    // a domain covers its subdomains; ALL_PROXY is for http:// too, and Prometheus is left out
    expect(warned({ NO_PROXY: 'io,veza.app,github.com', ALL_PROXY: 'socks5://proxy.corp' }).map((w) => w.field)).toEqual(['ALL_PROXY']);
  });

  it.each([
    ['a `*` among other entries (curl and Node 24 honour `*` only as the whole value)', { NO_PROXY: 'localhost,*' }],
    ['a `*` with blanks around it', { NO_PROXY: ' * ' }],
    ['NO_PROXY=* while no_proxy is set (curl and Node 24 read no_proxy then, and only it)', { no_proxy: 'localhost', NO_PROXY: '*' }],
  ])('still warns when NO_PROXY has %s: curl went through the proxy (a local listener playing it saw the CONNECT)', (_case, noProxy) => {
    const result = gatesConfigFromEnv({ ...full, HTTPS_PROXY: 'http://proxy.corp:3128', ...noProxy });
    expect(result.warnings.map((w) => w.field)).toEqual(['HTTPS_PROXY']);
  });

  it('reads an entry and a host with a trailing dot as curl does (NO_PROXY=veza.app. covers status.veza.app)', () => {
    const warned = (url: string, noProxy: string) =>
      gatesConfigFromEnv({ STATUSPAGE_URL: url, HTTPS_PROXY: 'http://proxy.corp:3128', NO_PROXY: noProxy }).warnings;
    expect(warned('https://status.veza.app/', 'veza.app.')).toEqual([]);
    expect(warned('https://status.veza.app./', 'veza.app')).toEqual([]);
  });

  describe('on a Node whose fetch honours the proxy variables (NODE_USE_ENV_PROXY=1 or --use-env-proxy, Node 22.21+ and 24)', () => {
    // What Node does at start then: undici's EnvHttpProxyAgent as the global dispatcher, under undici's symbol.
    const key = Symbol.for('undici.globalDispatcher.1');
    const slot = globalThis as unknown as Record<symbol, unknown>;
    let before: unknown;
    beforeEach(() => {
      before = slot[key];
      slot[key] = new (class EnvHttpProxyAgent {})();
    });
    afterEach(() => {
      slot[key] = before;
    });

    it('does not say the gates ignore HTTPS_PROXY/HTTP_PROXY: they go through it (Node 24 sent the CONNECT and the warning said they did not)', () => {
      for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy'])
        expect(gatesConfigFromEnv({ ...full, [name]: 'http://proxy.corp:3128' }).warnings).toEqual([]);
    });

    it('still warns of ALL_PROXY alone, which Node does not read', () => {
      expect(gatesConfigFromEnv({ ...full, ALL_PROXY: 'socks5://proxy.corp' }).warnings.map((w) => w.field)).toEqual(['ALL_PROXY']);
      expect(gatesConfigFromEnv({ ...full, ALL_PROXY: 'socks5://proxy.corp', HTTPS_PROXY: 'http://proxy.corp:3128' }).warnings).toEqual([]);
    });
  });

  it('says nothing of a proxy when no gate asks an API over HTTP (only the testers gate)', () => {
    const result = gatesConfigFromEnv({ TESTERS_TARGET: '5', HTTPS_PROXY: 'http://proxy.corp:3128' });
    expect(result.warnings).toEqual([]);
  });

  it('says what would make the gates use the proxy, and why NODE_USE_ENV_PROXY=1 did not where this process does not fetch through it', () => {
    // this process is Node 20 (or started without the variable): Node installed no env-proxy agent
    const proxied = { ...full, HTTPS_PROXY: 'http://proxy.corp:3128', ALL_PROXY: 'socks5://proxy.corp' };
    const withVariable = gatesConfigFromEnv({ ...proxied, NODE_USE_ENV_PROXY: '1' }).warnings;
    expect(withVariable.map((w) => w.field)).toEqual(['HTTPS_PROXY', 'ALL_PROXY']);
    expect(withVariable[0]!.message).toContain(
      'NODE_USE_ENV_PROXY=1 is set, but this process does not fetch through the proxy: Node 20 and 22 before 22.21 ignore it',
    );
    expect(withVariable[1]!.message).toContain('(Node reads no ALL_PROXY)');
    expect(gatesConfigFromEnv(proxied).warnings[0]!.message).toContain(
      'on Node 22.21 or later, NODE_USE_ENV_PROXY=1 in the environment makes them go through HTTP_PROXY/HTTPS_PROXY',
    );
  });

  it('reads a full environment with the documented defaults', () => {
    const result = gatesConfigFromEnv(full);
    if (!result.ok) throw new Error(result.problems.map(problemText).join('; '));
    expect(result.warnings).toEqual([]);
    expect(result.value).toEqual({
      timeoutMs: 10_000,
      retries: 2,
      testers: { target: 50, cohort: 'creators-2026' },
      sentry: {
        baseUrl: 'https://sentry.io',
        org: 'veza',
        token: 'sntrys_abc',
        projects: [],
        query: 'is:unresolved issue.priority:high',
        period: '24h',
        max: 0,
      },
      statuspage: { url: 'https://status.veza.app' },
      synthetic: { promUrl: 'http://prometheus:9090', query: 'min_over_time(probe_success[15m])' },
      k6: {
        apiUrl: 'https://api.github.com',
        repo: 'veza/app',
        token: 'ghp_x',
        workflow: 'k6-nightly.yml',
        branch: 'main',
        maxAgeHours: 30,
      },
      highIssues: { apiUrl: 'https://api.github.com', repo: 'veza/app', token: 'ghp_x', label: 'severity: high', max: 0 },
    });
    expect(Object.isFrozen(result.value)).toBe(true);
  });

  it('leaves every gate not configured in an empty environment', () => {
    const result = gatesConfigFromEnv({ PATH: '/usr/bin', SENTRY_DSN: undefined });
    if (!result.ok) throw new Error('expected ok');
    expect(unconfiguredGates(result.value)).toEqual(['testers', 'sentry', 'statuspage', 'synthetic', 'k6', 'high_issues']);
    expect(result.value.timeoutMs).toBe(GATE_DEFAULTS.timeoutMs);
  });

  it.each(['fans/discord', 'creators-2026', 'beta+press'])(
    'takes TESTERS_COHORT=%s, a label the validator accepts (the invite-rules label rule)',
    (label) => {
      const result = gatesConfigFromEnv({ TESTERS_TARGET: '5', TESTERS_COHORT: label });
      expect(result.ok && result.value.testers).toEqual({ target: 5, cohort: label });
    },
  );

  it('treats blank values as absent', () => {
    const result = gatesConfigFromEnv({ PROM_URL: '  ', TESTERS_TARGET: '' });
    expect(result.ok && unconfiguredGates(result.value)).toContain('synthetic');
  });

  it.each([
    [{ TESTERS_TARGET: 'fifty' }, 'TESTERS_TARGET must be an integer ≥ 1 (got "fifty")'],
    [{ TESTERS_TARGET: '0' }, 'TESTERS_TARGET must be an integer ≥ 1 (got "0")'],
    [{ TESTERS_COHORT: 'creators' }, 'TESTERS_TARGET is required when TESTERS_COHORT is set'],
    [
      { TESTERS_TARGET: '5', TESTERS_COHORT: 'fans,paris' },
      'TESTERS_COHORT must start with a letter or digit and use only letters, digits, space and . _ : + / - (got "fans,paris")',
    ],
    [{ TESTERS_TARGET: '5', TESTERS_COHORT: 'c'.repeat(65) }, `TESTERS_COHORT is longer than 64 characters (got "${'c'.repeat(65)}")`],
    [
      { SENTRY_AUTH_TOKEN: 'x' },
      "SENTRY_ORG is required for the Sentry gate (other SENTRY_* settings are set): your organisation's slug, as in https://sentry.io/organizations/<slug>/ (the seed checklist's monitor line sets only SENTRY_AUTH_TOKEN)",
    ],
    [{ SENTRY_AUTH_TOKEN: 'x', SENTRY_ORG: 'veza', SENTRY_URL: 'sentry.io' }, 'SENTRY_URL is not an http(s) URL'],
    [{ SENTRY_AUTH_TOKEN: 'x', SENTRY_ORG: 'veza', SENTRY_MAX: '-1' }, 'SENTRY_MAX must be an integer ≥ 0 (got "-1")'],
    [
      { SENTRY_AUTH_TOKEN: 'x', SENTRY_ORG: 'veza', SENTRY_PERIOD: 'yesterday' },
      'SENTRY_PERIOD must be a Sentry statsPeriod such as 24h, 90m, 14d (got "yesterday")',
    ],
    [
      { SENTRY_AUTH_TOKEN: 'x', SENTRY_ORG: 'veza', SENTRY_PROJECT: 'web' },
      'SENTRY_PROJECT must be numeric project ids separated by commas (got "web")',
    ],
    [{ STATUSPAGE_URL: 'ftp://status' }, 'STATUSPAGE_URL is not an http(s) URL'],
    [{ PROM_QUERY: 'up' }, 'PROM_URL is required when PROM_QUERY is set'],
    [{ K6_WORKFLOW: 'nightly.yml' }, 'GITHUB_REPO is required for the k6 and HIGH issues gates (other K6_/HIGH_ settings are set)'],
    [{ GITHUB_REPO: 'veza' }, 'GITHUB_REPO must be owner/name (got "veza")'],
    [{ GITHUB_REPO: 'veza/app', K6_MAX_AGE_HOURS: '30' }, 'K6_WORKFLOW is required when K6_MAX_AGE_HOURS is set'],
    [
      { GITHUB_REPO: 'veza/app', K6_WORKFLOW: 'nightly.yml', K6_MAX_AGE_HOURS: '30h' },
      'K6_MAX_AGE_HOURS must be a number ≥ 0.1 (got "30h")',
    ],
    [{ GITHUB_REPO: 'veza/app', HIGH_MAX: '1.5' }, 'HIGH_MAX must be an integer ≥ 0 (got "1.5")'],
    [{ GATE_TIMEOUT_MS: '10s' }, 'GATE_TIMEOUT_MS must be an integer ≥ 100 and ≤ 600000 (got "10s")'],
  ])('rejects %j', (env, message) => {
    const result = gatesConfigFromEnv(env);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.map(problemText)).toContain(message);
  });

  it('reports every problem at once, never the token value', () => {
    const result = gatesConfigFromEnv({ SENTRY_AUTH_TOKEN: 'sntrys_secret_value', SENTRY_URL: 'nope', PROM_QUERY: 'up' });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toHaveLength(3);
      expect(JSON.stringify(result)).not.toContain('sntrys_secret_value');
    }
  });

  it('leaves k6 and HIGH issues not configured with only GITHUB_TOKEN and GITHUB_API_URL set (GitHub Actions sets them for every step)', () => {
    // docs/ci/gates-monitor.yml maps the workflow's own GITHUB_TOKEN, the runner sets GITHUB_API_URL: a team that has
    // not set GATES_GITHUB_REPO got exit 3 from every scheduled run ("GITHUB_REPO is required")
    const result = gatesConfigFromEnv({ GITHUB_TOKEN: 'ghs_automatic', GITHUB_API_URL: 'https://api.github.com', GITHUB_REPO: '' });
    if (!result.ok) throw new Error(result.problems.map(problemText).join('; '));
    expect(result.value.k6).toBeNull();
    expect(result.value.highIssues).toBeNull();
    expect(unconfiguredGates(result.value)).toEqual(expect.arrayContaining(['k6', 'high_issues']));
  });

  it('configures HIGH issues from GITHUB_REPO alone, leaves k6 not configured, and warns about a missing token and typos', () => {
    const result = gatesConfigFromEnv({ GITHUB_REPO: 'veza/app', HIGH_LABEL: 'P1', K6_WORKFLOWS: 'x.yml' });
    if (!result.ok) throw new Error(result.problems.map(problemText).join('; '));
    expect(result.value.highIssues).toMatchObject({ label: 'P1', token: null });
    expect(result.value.k6).toBeNull();
    expect(result.warnings.map(problemText)).toEqual([
      'K6_WORKFLOWS is not a gates setting (ignored); known: K6_WORKFLOW, K6_MAX_AGE_HOURS',
      'GITHUB_TOKEN is not set: GitHub allows 60 unauthenticated requests per hour and hides private repositories',
    ]);
  });

  it("does not take the launch-day checks' own variables (PROM_5XX_MAX …) for typos", () => {
    // every launch-day variable the gates do not read themselves, set
    const launchOnly = LAUNCH_ENV_VARS.filter((name) => !(GATE_ENV_VARS as readonly string[]).includes(name));
    const result = gatesConfigFromEnv(Object.fromEntries(launchOnly.map((name) => [name, '1'])));
    if (!result.ok) throw new Error(result.problems.map(problemText).join('; '));
    expect(result.warnings.map(problemText)).toEqual([]);
  });

  it('accepts a numeric workflow id and fractional hours', () => {
    const result = gatesConfigFromEnv({
      GITHUB_REPO: 'veza/app',
      GITHUB_TOKEN: 't',
      K6_WORKFLOW: '161335',
      K6_MAX_AGE_HOURS: '26.5',
      SENTRY_AUTH_TOKEN: 'x',
      SENTRY_ORG: 'veza',
      SENTRY_PROJECT: '12,34',
    });
    if (!result.ok) throw new Error(result.problems.map(problemText).join('; '));
    expect(result.value.k6).toMatchObject({ workflow: '161335', maxAgeHours: 26.5 });
    expect(result.value.sentry?.projects).toEqual(['12', '34']);
  });

  it('reads exactly the variables it documents (GATE_ENV_VARS)', () => {
    expect(Object.keys(GATE_SETTINGS_SCHEMA.shape)).toEqual([...GATE_ENV_VARS]);
  });
});
