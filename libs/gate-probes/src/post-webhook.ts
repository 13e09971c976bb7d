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
}

export type PostWebhookResult = { ok: true; status: number; attempts: number } | { ok: false; status: number | null; attempts: number; message: string };

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * POSTs a payload as JSON (Discord answers 204, Slack-compatible hooks 200).
 * Never throws: the result says what happened, and its message names the URL
 * only redacted, because the URL is the webhook's credential.
 */
export async function postWebhook(url: string, payload: WebhookPayload, options: PostWebhookOptions = {}): Promise<PostWebhookResult> {
  const doFetch = options.fetch ?? fetch;
  const shown = redactWebhookUrl(url);
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const retries = options.retries ?? 2;
  let status: number | null = null;
  let problem = '';
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    let retryAfterMs = 250 * 2 ** (attempt - 1);
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'User-Agent': 'veza-beta-gates' },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(Math.max(1, deadline - Date.now())),
      });
      status = response.status;
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true, status, attempts: attempt };
      problem = `HTTP ${status}`;
      // Discord sends Retry-After in seconds (and retry_after in the body).
      const header = Number(response.headers.get('retry-after'));
      if (Number.isFinite(header) && header > 0) retryAfterMs = header * 1_000;
      if (status !== 429 && status < 500) return { ok: false, status, attempts: attempt, message: `webhook ${shown} refused the message: HTTP ${status}` };
    } catch (error) {
      const name = (error as { name?: string } | null)?.name;
      problem = name === 'TimeoutError' || name === 'AbortError' ? 'timed out' : 'network error';
    }
    const pause = Math.min(retryAfterMs, options.maxRetryWaitMs ?? 5_000);
    if (attempt > retries || Date.now() + pause >= deadline) return { ok: false, status, attempts: attempt, message: `webhook ${shown} failed: ${problem} after ${attempt} attempt(s)` };
    await wait(pause);
  }
  return { ok: false, status, attempts: retries + 1, message: `webhook ${shown} failed: ${problem}` };
}
