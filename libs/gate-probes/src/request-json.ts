import { ProbeProblem, sleep } from './probe-kit.js';
import type { ProbeContext } from './probe-kit.js';
import type { UnknownReason } from './types.js';

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  /** non-2xx statuses the probe reads itself (Prometheus answers errors as JSON with 400/422) */
  acceptStatus?: number[];
  /** what a 404 means for this API, e.g. "workflow nightly.yml not found" */
  notFound?: string;
  /**
   * The only origin (scheme://host:port) this request, its redirects and the
   * pages it links to may reach: the configured base URL's. A request
   * carrying a token always has one (default: the URL's own origin).
   */
  origin?: string;
  /** the setting that names the origin, for the ⚪ message (e.g. SENTRY_URL) */
  originSetting?: string;
}

/** Redirects followed (on the same origin when a token is sent: GitHub moves renamed repositories with 301). */
const MAX_REDIRECTS = 5;

/**
 * The largest JSON answer read (16 MiB): a page of 100 GitHub or Sentry issues
 * is well under 1 MiB. A larger body ends the probe at ⚪ instead of filling
 * the memory before the deadline.
 */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/**
 * The body as text, reading at most `max` bytes: `complete` is false when it
 * is longer (the rest is not read, the stream is cancelled).
 * `response.text()` would hold all of an endless or huge answer in memory.
 */
export async function readBodyText(response: Response, max: number): Promise<{ text: string; complete: boolean }> {
  const body = response.body;
  if (!body) return { text: '', complete: true };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const room = max - size;
      if (value.byteLength > room) {
        if (room > 0) chunks.push(value.subarray(0, room));
        size = max;
        void reader.cancel().catch(() => undefined);
        return { text: Buffer.concat(chunks).toString('utf8'), complete: false };
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.releaseLock();
  }
  return { text: Buffer.concat(chunks).toString('utf8'), complete: true };
}

/** OpenSSL's and Node's certificate verification codes (DEPTH_ZERO_SELF_SIGNED_CERT, CERT_HAS_EXPIRED, ERR_TLS_CERT_ALTNAME_INVALID …). */
const TLS_CERTIFICATE_CODE = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** The message of a body that stopped before its end (undici says only "terminated"). */
export function cutOffMessage(status: number): string {
  return `HTTP ${status} but the answer was cut off before its end (the connection closed mid-body)`;
}

/**
 * Why fetch threw, in words that carry no header value: undici's "invalid
 * header value" message quotes the header (the token), and its connection
 * errors keep the code in `cause` (or in the first of several causes).
 */
export function networkFailure(error: unknown): { retry: boolean; message: string } {
  const cause = (error as { cause?: { code?: unknown; errors?: { code?: unknown }[] } }).cause;
  const code = typeof cause?.code === 'string' ? cause.code : cause?.errors?.map((e) => e.code).find((c) => typeof c === 'string');
  // A certificate the client does not trust stays untrusted: no retry, and the operator must fix the certificate, not the network.
  if (typeof code === 'string' && TLS_CERTIFICATE_CODE.test(code))
    return {
      retry: false,
      message: `TLS certificate problem (${code}): the server's certificate is not trusted (self-signed, expired, or for another name); fix the certificate, or give its CA with NODE_EXTRA_CA_CERTS`,
    };
  if (typeof code === 'string') return { retry: true, message: `network error (${code})` };
  const text = [error, cause].map((e) => (e instanceof Error ? e.message : '')).join(' ');
  if (/header/i.test(text))
    return { retry: false, message: 'a request header is not valid HTTP (a token with a line break or a control character?)' };
  if (/credentials/i.test(text))
    return { retry: false, message: 'the URL has a user name or password in it: put the credentials in the token setting' };
  if (/redirect/i.test(text)) return { retry: false, message: `more than ${MAX_REDIRECTS} redirects, or a redirect fetch refused` };
  return { retry: true, message: 'network error' };
}

function originOf(url: string): string {
  return new URL(url).origin;
}

/**
 * Ends the probe at ⚪ config when `url` leaves the allowed origin: a token is
 * never sent to another host, whatever a Link header or a redirect says.
 */
export function assertSameOrigin(url: string, options: Pick<RequestOptions, 'origin' | 'originSetting'>, what: string): void {
  if (!options.origin) return;
  let target: string;
  try {
    target = originOf(url);
  } catch {
    throw new ProbeProblem('parse', `${what} is not a URL`);
  }
  if (target === options.origin) return;
  const hint = options.originSetting ? ` (if the API really lives there, set ${options.originSetting} to ${target})` : '';
  throw new ProbeProblem(
    'config',
    `${what} points at ${target}, not ${options.origin}: not followed, the token stays with ${options.origin}${hint}`,
  );
}

/** Retry-After in milliseconds: delta-seconds or an HTTP date, read against the probe's clock. */
export function retryAfterMs(value: string | null, now: Date): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now.getTime());
}

/** GitHub answers a spent rate limit with 403 (primary) or 403/429 + retry-after (secondary). */
function isRateLimited(status: number, headers: Headers): boolean {
  if (status === 429) return true;
  return status === 403 && (headers.get('retry-after') !== null || headers.get('x-ratelimit-remaining') === '0');
}

/**
 * When a spent rate limit lifts, epoch ms: Retry-After, else GitHub's primary
 * limit (remaining 0) by its x-ratelimit-reset (epoch seconds); null when neither says.
 */
function rateLimitLiftsAt(headers: Headers, now: Date): number | null {
  const after = retryAfterMs(headers.get('retry-after'), now);
  if (after !== null) return now.getTime() + after;
  const reset = headers.get('x-ratelimit-reset')?.trim();
  return headers.get('x-ratelimit-remaining') === '0' && reset && /^\d{1,12}$/.test(reset) ? Number(reset) * 1000 : null;
}

/** GitHub: "If you exceed a secondary rate limit … without retry-after … wait for at least one minute". */
const SECONDARY_LIMIT_WAIT_MS = 60_000;

/**
 * Whether a 403's body says it is a rate limit (GitHub's secondary limit: "You have exceeded a
 * secondary rate limit", possibly without retry-after or x-ratelimit-remaining). Reads 4 KiB at most;
 * an unreadable body says nothing.
 */
async function saysRateLimit(response: Response): Promise<boolean> {
  try {
    const { text } = await readBodyText(response, 4096);
    return /rate limit/i.test(text);
  } catch {
    return false;
  }
}

/** Sleeps before the next attempt when the budget allows one; false when it does not. */
async function waitForRetry(ctx: ProbeContext, attempt: number, hintMs: number | null): Promise<boolean> {
  if (attempt > ctx.retries) return false;
  const wait = hintMs ?? ctx.backoffMs * 2 ** (attempt - 1);
  // A wait that eats the whole remaining budget only delays the ⚪: report now instead.
  if (wait >= ctx.remainingMs()) return false;
  await sleep(wait, ctx.signal);
  return true;
}

/**
 * GET a JSON document inside the probe's budget. Retries network errors, 5xx
 * and rate limits with exponential backoff, honouring Retry-After capped to
 * the time left; ends the probe at ⚪ (ProbeProblem) for what retries cannot fix.
 */
export async function requestJson(ctx: ProbeContext, url: string, options: RequestOptions = {}): Promise<JsonResponse> {
  const carriesToken = Object.keys(options.headers ?? {}).some((h) => h.toLowerCase() === 'authorization');
  const scope = { ...options, origin: options.origin ?? (carriesToken ? originOf(url) : undefined) };
  assertSameOrigin(url, scope, 'the request');
  ctx.setSource(url);
  let redirects = 0;
  for (let attempt = 1; ; attempt++) {
    ctx.attempts++;
    let response: Response;
    try {
      // Redirects are followed here rather than by fetch, origin checked when a token is sent: the token must not travel with one.
      response = await ctx.fetch(url, { headers: options.headers, signal: ctx.signal, redirect: 'manual' });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const failure = networkFailure(error);
      if (!failure.retry) throw new ProbeProblem('config', failure.message);
      if (await waitForRetry(ctx, attempt, null)) continue;
      throw new ProbeProblem('unavailable', failure.message.replace('network error', `network error after ${attempt} attempt(s)`));
    }
    ctx.httpStatus = response.status;
    const { status, headers } = response;
    if (status >= 300 && status < 400) {
      // Not followed by fetch: a redirect, or a 3xx that is no answer at all (its body is not the document asked for).
      void response.body?.cancel().catch(() => undefined);
      const location = headers.get('location');
      if (!location) throw new ProbeProblem('unavailable', `HTTP ${status} without a Location: not an answer`);
      let next: string;
      try {
        next = new URL(location, url).toString();
      } catch {
        throw new ProbeProblem('parse', `HTTP ${status} to a Location that is not a URL`);
      }
      assertSameOrigin(next, scope, `a redirect (HTTP ${status})`);
      if (++redirects > MAX_REDIRECTS) throw new ProbeProblem('config', `more than ${MAX_REDIRECTS} redirects`);
      url = next;
      attempt--;
      continue;
    }

    let failure: { reason: UnknownReason; message: string; retry: boolean; waitMs?: number | null } | null = null;
    if (isRateLimited(status, headers)) {
      const lifts = rateLimitLiftsAt(headers, ctx.now());
      // A Retry-After of 10^20 seconds is no date: toISOString threw "Invalid time value", and the gate said "probe error".
      if (lifts !== null && Number.isNaN(new Date(lifts).getTime()))
        failure = { reason: 'rate_limited', message: `rate limited (HTTP ${status}), Retry-After beyond any date`, retry: false };
      else {
        // GitHub's primary limit says when it lifts (x-ratelimit-reset), which is often an hour away: said, not retried blindly
        const until = lifts !== null && lifts > ctx.now().getTime() ? ` until ${new Date(lifts).toISOString()}` : '';
        failure = {
          reason: 'rate_limited',
          message: `rate limited (HTTP ${status})${until}`,
          retry: true,
          waitMs: lifts === null ? null : Math.max(0, lifts - ctx.now().getTime()),
        };
      }
    } else if (status >= 500) failure = { reason: 'unavailable', message: `server error HTTP ${status}`, retry: true };
    else if (status === 403 && (await saysRateLimit(response)))
      // GitHub's secondary limit may come with neither header; its documented wait is then "at least one minute".
      failure = {
        reason: 'rate_limited',
        message: `rate limited (HTTP 403, the body says "rate limit")`,
        retry: true,
        waitMs: SECONDARY_LIMIT_WAIT_MS,
      };
    else if (status === 401 || status === 403)
      failure = { reason: 'auth', message: `HTTP ${status}: the token is missing, wrong, expired or lacks the scope`, retry: false };
    else if (status === 404 || status === 410)
      failure = { reason: 'config', message: options.notFound ?? `HTTP ${status}: not found, check the configured URL`, retry: false };
    else if (status >= 400 && !options.acceptStatus?.includes(status))
      failure = { reason: 'config', message: `HTTP ${status}: the API refused the request`, retry: false };

    if (failure) {
      // Not awaited: cancelling an unread body can wait on the stream; the socket is freed either way.
      void response.body?.cancel().catch(() => undefined);
      if (failure.retry && (await waitForRetry(ctx, attempt, failure.waitMs ?? null))) continue;
      throw new ProbeProblem(failure.reason, attempt > 1 ? `${failure.message} after ${attempt} attempts` : failure.message);
    }

    let body: { text: string; complete: boolean };
    try {
      body = await readBodyText(response, MAX_JSON_BYTES);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      // A connection dropped mid-body is a network failure like any other: retried within the budget.
      if (await waitForRetry(ctx, attempt, null)) continue;
      throw new ProbeProblem('unavailable', attempt > 1 ? `${cutOffMessage(status)} after ${attempt} attempts` : cutOffMessage(status));
    }
    const { text, complete } = body;
    if (!complete) throw new ProbeProblem('parse', `HTTP ${status} with a body over ${MAX_JSON_BYTES / 1024 / 1024} MiB: not read`);
    try {
      return { status, headers, body: JSON.parse(text) as unknown };
    } catch {
      throw new ProbeProblem('parse', `HTTP ${status} but the body is not JSON`);
    }
  }
}

/** The links of a Link header: GitHub's `<url>; rel="next"`, Sentry's `<url>; rel="next"; results="true"; cursor="…"`. */
export function parseLinkHeader(value: string | null): { url: string; params: Record<string, string> }[] {
  if (!value) return [];
  const links: { url: string; params: Record<string, string> }[] = [];
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const params: Record<string, string> = {};
    for (const p of (match[2] ?? '').split(';')) {
      const kv = /^\s*([^=\s]+)\s*=\s*"?([^"]*)"?\s*$/.exec(p);
      if (kv?.[1]) params[kv[1].toLowerCase()] = kv[2] ?? '';
    }
    links.push({ url: match[1] ?? '', params });
  }
  return links;
}

/** The next page, if any. Sentry always sends rel="next" and says results="false" on the last page. */
export function nextLink(headers: Headers): string | null {
  const next = parseLinkHeader(headers.get('link')).find((l) => l.params['rel'] === 'next');
  if (!next || next.params['results'] === 'false') return null;
  return next.url;
}

/**
 * The next page to request with the token: null on the last page; ⚪ config
 * (ProbeProblem) when the link leaves the configured origin — the page is not
 * requested and the token not sent.
 */
export function nextPageUrl(headers: Headers, current: string, options: Pick<RequestOptions, 'origin' | 'originSetting'>): string | null {
  const next = nextLink(headers);
  if (next === null) return null;
  const absolute = new URL(next, current).toString();
  assertSameOrigin(absolute, options, 'the next page (Link rel="next")');
  return absolute;
}
