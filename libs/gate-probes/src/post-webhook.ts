import { performance } from 'node:perf_hooks';
import { abortableSleep } from './deadline.js';
import { networkFailure } from './request-json.js';
import type { WebhookPayload } from './webhook-payload.js';

/** Words a webhook path may show; any other segment (ids, tokens) is hidden. */
const PLAIN_SEGMENT = /^(api|v\d+|webhooks?|hooks?|services|slack|discord)$/i;

/**
 * A webhook URL safe to print. Discord (`/api/webhooks/{id}/{token}`) and
 * Slack (`/services/T…/B…/{secret}`) carry the secret in the path, so only
 * the host and generic path words stay; the query is dropped.
 */
export function redactWebhookUrl(raw: string): string {
  try {
    const url = new URL(raw);
    const path = url.pathname
      .split('/')
      .map((s) => (s === '' || PLAIN_SEGMENT.test(s) ? s : '***'))
      .join('/');
    return `${url.protocol}//${url.host}${path}${url.search ? '?***' : ''}`;
  } catch {
    return '(unparsable webhook URL)';
  }
}

export interface PostWebhookOptions {
  fetch?: typeof fetch;
  /** budget for the whole post, retries included (default 10,000 ms) */
  timeoutMs?: number;
  /** extra attempts after 429, 5xx or a network error (default 2) */
  retries?: number;
  /** longest wait honoured from Retry-After (default 5,000 ms) */
  maxRetryWaitMs?: number;
  /** ends the post early (the monitor's run deadline or shutdown) */
  signal?: AbortSignal;
}

export type PostWebhookResult =
  { ok: true; status: number; attempts: number } | { ok: false; status: number | null; attempts: number; message: string };

/** One attempt, ended by its own timer (cleared when it settles) or by the caller's signal. */
async function attempt(doFetch: typeof fetch, url: string, body: string, ms: number, outer: AbortSignal | undefined): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error('webhook deadline')), ms);
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await doFetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'veza-beta-gates' },
      body,
      signal: controller.signal,
      // A followed 301/302 turns the POST into a GET without the body (Discord answers
      // that with 200: "delivered", nothing posted); a 307/308 re-POSTs it to another host.
      redirect: 'manual',
    });
    // The status is the answer; the body is not read. Read to its end, an endless one held the post to its
    // deadline and filled the memory meanwhile (3 GB in 6 s from a local server): cancelled, not awaited.
    void response.body?.cancel().catch(() => undefined);
    return response;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}

/** Retry-After in milliseconds: delta-seconds (fractions too) or an HTTP date; null when absent or unreadable. */
function retryAfterMs(value: string | null): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1_000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

/** Why a 3xx is no delivery: the message went nowhere, and the URL to configure is the one it redirects to. */
function redirectRefused(shown: string, status: number): string {
  return `webhook ${shown} not delivered: HTTP ${status}, the URL redirects (e.g. http→https); redirects are not followed, set the final URL`;
}

/**
 * POSTs a payload as JSON (Discord answers 204, Slack-compatible hooks 200).
 * Redirects are not followed: any 3xx is a failed post.
 * Never throws: the result says what happened, and its message names the URL
 * only redacted, because the URL is the webhook's credential. The budget is
 * measured on a monotonic clock: a wall clock set back during a post does not
 * lengthen it.
 */
export async function postWebhook(url: string, payload: WebhookPayload, options: PostWebhookOptions = {}): Promise<PostWebhookResult> {
  const doFetch = options.fetch ?? fetch;
  const shown = redactWebhookUrl(url);
  const deadline = performance.now() + (options.timeoutMs ?? 10_000);
  const retries = options.retries ?? 2;
  let status: number | null = null;
  let problem = '';
  for (let n = 1; n <= retries + 1; n++) {
    let wait = 250 * 2 ** (n - 1);
    try {
      const response = await attempt(doFetch, url, JSON.stringify(payload), Math.max(1, deadline - performance.now()), options.signal);
      status = response.status;
      if (response.ok) return { ok: true, status, attempts: n };
      if (status >= 300 && status < 400) return { ok: false, status, attempts: n, message: redirectRefused(shown, status) };
      problem = `HTTP ${status}`;
      if (status !== 429 && status < 500)
        return { ok: false, status, attempts: n, message: `webhook ${shown} refused the message: HTTP ${status}` };
      // Discord sends Retry-After in seconds (and retry_after in the body); an HTTP date is read too.
      const asked = retryAfterMs(response.headers.get('retry-after'));
      if (asked !== null) {
        // Asked to wait longer than this post may: posting before then is refused again (and counts against the
        // sender at Discord). Not announced: the next run posts it again.
        if (asked > (options.maxRetryWaitMs ?? 5_000) || performance.now() + asked >= deadline)
          return {
            ok: false,
            status,
            attempts: n,
            message: `webhook ${shown} failed: HTTP ${status}, Retry-After ${Math.ceil(asked / 1_000)} s, longer than this post may wait; the next run posts it again`,
          };
        wait = asked;
      }
    } catch (error) {
      if (options.signal?.aborted) problem = 'cut short by the run deadline';
      else if (performance.now() >= deadline) problem = 'timed out';
      else {
        // What failed, as the probes say it (the code, never a header or the URL); a certificate the client does not
        // trust stays untrusted: said at once, not as "network error" after every retry.
        const failure = networkFailure(error);
        if (!failure.retry) return { ok: false, status, attempts: n, message: `webhook ${shown} failed: ${failure.message}` };
        problem = failure.message;
      }
    }
    const pause = Math.min(wait, options.maxRetryWaitMs ?? 5_000);
    if (n > retries || performance.now() + pause >= deadline || options.signal?.aborted)
      return { ok: false, status, attempts: n, message: `webhook ${shown} failed: ${problem} after ${n} attempt(s)` };
    await abortableSleep(pause, options.signal);
  }
  return { ok: false, status, attempts: retries + 1, message: `webhook ${shown} failed: ${problem}` };
}
