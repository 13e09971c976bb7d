import { ProbeProblem } from '../probe-kit.js';
import type { ProbeContext } from '../probe-kit.js';
import { assertSameOrigin, networkFailure, readBodyText } from '../request-json.js';

export interface StatusAnswer {
  status: number;
  /** the body as text, at most 64 KiB read */
  text: string;
}

const MAX_BODY = 64 * 1024;

/**
 * One GET inside the check's budget, whatever the status: for endpoints whose
 * status is the answer (health, MinIO cluster health, a form page). A network
 * error is ⚪ unavailable; the deadline is the context's timer. Redirects are
 * followed by fetch only when no token is sent.
 */
export async function requestStatus(ctx: ProbeContext, url: string, headers: Record<string, string> = {}): Promise<StatusAnswer> {
  const carriesToken = Object.keys(headers).some((h) => h.toLowerCase() === 'authorization');
  if (carriesToken) assertSameOrigin(url, { origin: new URL(url).origin }, 'the request');
  ctx.setSource(url);
  ctx.attempts++;
  let response: Response;
  try {
    response = await ctx.fetch(url, { headers, signal: ctx.signal, redirect: carriesToken ? 'manual' : 'follow' });
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    const failure = networkFailure(error);
    throw new ProbeProblem(failure.retry ? 'unavailable' : 'config', failure.message);
  }
  ctx.httpStatus = response.status;
  const { text } = await readBodyText(response, MAX_BODY);
  return { status: response.status, text };
}
