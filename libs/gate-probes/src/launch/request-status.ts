import { ProbeProblem } from '../probe-kit.js';
import type { ProbeContext } from '../probe-kit.js';
import { assertSameOrigin, cutOffMessage, networkFailure, readBodyText } from '../request-json.js';

export interface StatusAnswer {
  status: number;
  headers: Headers;
  /** the body as text, at most 64 KiB read */
  text: string;
  /** the URL that answered: the one asked, or where its redirects led */
  url: string;
}

export interface StatusOptions {
  headers?: Record<string, string>;
  /**
   * Redirects followed on the URL's own origin only; the setting named here is
   * the one to change when one leads elsewhere (e.g. MINIO_URL). Always the
   * case when a token is sent.
   */
  stayOnOrigin?: string;
}

const MAX_BODY = 64 * 1024;
const MAX_REDIRECTS = 5;

/**
 * One GET inside the check's budget, whatever the status: for endpoints whose
 * status is the answer (health, MinIO cluster health, a form page). A network
 * error is ⚪ unavailable; the deadline is the context's timer. Redirects are
 * followed by fetch when the answer may come from anywhere (a form); with a
 * token or `stayOnOrigin`, only on the URL's origin (⚪ config otherwise).
 */
export async function requestStatus(ctx: ProbeContext, url: string, options: StatusOptions = {}): Promise<StatusAnswer> {
  const headers = options.headers ?? {};
  const carriesToken = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  const scope =
    carriesToken || options.stayOnOrigin ? { origin: new URL(url).origin, originSetting: options.stayOnOrigin } : { origin: undefined };
  assertSameOrigin(url, scope, 'the request');
  ctx.setSource(url);
  ctx.attempts++;
  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await ctx.fetch(url, { headers, signal: ctx.signal, redirect: scope.origin ? 'manual' : 'follow' });
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const failure = networkFailure(error);
      throw new ProbeProblem(failure.retry ? 'unavailable' : 'config', failure.message);
    }
    ctx.httpStatus = response.status;
    const location = response.headers.get('location');
    if (scope.origin && response.status >= 300 && response.status < 400 && location) {
      void response.body?.cancel().catch(() => undefined);
      const next = new URL(location, url).toString();
      assertSameOrigin(next, scope, `a redirect (HTTP ${response.status})`);
      if (redirects >= MAX_REDIRECTS) throw new ProbeProblem('config', `more than ${MAX_REDIRECTS} redirects`);
      url = next;
      continue;
    }
    let text: string;
    try {
      ({ text } = await readBodyText(response, MAX_BODY));
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      throw new ProbeProblem('unavailable', cutOffMessage(response.status));
    }
    // fetch's own redirects end at response.url ('' from some fetch stand-ins: then the URL asked)
    return { status: response.status, headers: response.headers, text, url: response.url || url };
  }
}
