import { ProbeProblem } from '../probe-kit.js';
import type { ProbeContext, ProbeOptions } from '../probe-kit.js';
import { notConfiguredCheck, runLaunchCheck } from './launch-check.js';
import type { LaunchCheck } from './launch-check.js';
import type { LaunchSettings } from './launch-settings.js';
import { redactUrl } from '../redact.js';
import { requestStatus } from './request-status.js';
import type { StatusAnswer, StatusOptions } from './request-status.js';

export const HEALTH_TITLE = 'Backend health check green';
export const FEEDBACK_TITLE = 'Feedback form answers 200';
export const MINIO_CLUSTER_TITLE = 'MinIO cluster has write quorum';
const HEALTHY = ['ok', 'healthy', 'up', 'pass'];

/** requestStatus, where 401/403 and 429 say nothing about the service: the check could not answer (⚪). */
async function answeredStatus(ctx: ProbeContext, url: string, options: StatusOptions = {}): Promise<StatusAnswer> {
  const answer = await requestStatus(ctx, url, options);
  if (answer.status === 401 || answer.status === 403)
    throw new ProbeProblem('auth', `HTTP ${answer.status}: the endpoint wants credentials`);
  if (answer.status === 429) throw new ProbeProblem('rate_limited', 'HTTP 429: rate limited');
  return answer;
}

/**
 * HEALTH_URL answers 200 with JSON `status` ok|healthy|up|pass (any case).
 * A 5xx or another status word is 🔴 (the backend says it is unwell); a body
 * that is not JSON with a status is ⚪ parse; no answer in time ⚪ timeout.
 */
export function healthCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const url = settings.healthUrl;
  if (!url) return Promise.resolve(notConfiguredCheck(HEALTH_TITLE, 'HEALTH_URL'));
  return runLaunchCheck(HEALTH_TITLE, options, async (ctx) => {
    const answer = await answeredStatus(ctx, url);
    if (answer.status !== 200) return { state: 'fail', summary: `HTTP ${answer.status}` };
    let status: unknown;
    try {
      status = (JSON.parse(answer.text) as { status?: unknown } | null)?.status;
    } catch {
      throw new ProbeProblem('parse', 'HTTP 200 but the body is not JSON');
    }
    if (typeof status !== 'string') throw new ProbeProblem('parse', 'HTTP 200 but no JSON "status" field');
    if (HEALTHY.includes(status.toLowerCase())) return { state: 'pass', summary: `HTTP 200, status "${status}"` };
    return { state: 'fail', summary: `HTTP 200 but status "${status}"` };
  });
}

/** FEEDBACK_URL (the form the invite links) answers 200, redirects followed. */
export function feedbackFormCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const url = settings.feedbackUrl;
  if (!url) return Promise.resolve(notConfiguredCheck(FEEDBACK_TITLE, 'FEEDBACK_URL'));
  return runLaunchCheck(FEEDBACK_TITLE, options, async (ctx) => {
    const answer = await answeredStatus(ctx, url);
    if (answer.status >= 500) throw new ProbeProblem('unavailable', `server error HTTP ${answer.status}`);
    // Where the redirects led is what testers see, and what the operator must look at: a sign-in page, a captive
    // portal or another form answer 200 too (it showed FEEDBACK_URL alone, ✅, over a Google sign-in page).
    const landed = answer.url !== new URL(url).href ? ` after redirects to ${redactUrl(answer.url)}` : '';
    return answer.status === 200
      ? { state: 'pass', summary: `${url} → 200${landed}${landed ? ': check that this is the form' : ''}` }
      : { state: 'fail', summary: `${url} → HTTP ${answer.status}${landed}: testers would land on an error` };
  });
}

/**
 * Why a 200 is not MinIO's own answer, or null. MinIO answers the cluster
 * probe with an empty body, `Server: MinIO…` and `X-Minio-*` headers (a proxy
 * may rewrite Server, not the X-Minio ones); the Console port, an SPA or an
 * SSO login page answer 200 with HTML, and say nothing about quorum.
 */
function notMinio(answer: StatusAnswer): string | null {
  const type = answer.headers.get('content-type') ?? '';
  if (/html/i.test(type) || /^\s*</.test(answer.text))
    return "HTTP 200 with an HTML page, not MinIO's answer (the Console port, an SSO login or another app?): MINIO_URL must be the S3 API (port 9000)";
  const server = answer.headers.get('server') ?? '';
  let minioHeader = false;
  answer.headers.forEach((_value, name) => (minioHeader ||= name.toLowerCase().startsWith('x-minio-')));
  if (!/^minio\b/i.test(server) && !minioHeader)
    return "HTTP 200 without MinIO's headers (Server: MinIO, X-Minio-*): not an answer from MinIO, check MINIO_URL";
  return null;
}

/** MinIO's /minio/health/cluster: 200 from MinIO with write quorum, 503 without (🔴); any other 200 is ⚪. */
export function minioClusterCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const base = settings.minioUrl;
  if (!base) return Promise.resolve(notConfiguredCheck(MINIO_CLUSTER_TITLE, 'MINIO_URL'));
  return runLaunchCheck(MINIO_CLUSTER_TITLE, options, async (ctx) => {
    // A redirect to another host (an SSO gateway, a login page) is not followed: its 200 would say nothing about MinIO.
    const answer = await answeredStatus(ctx, `${base}/minio/health/cluster`, { stayOnOrigin: 'MINIO_URL' });
    if (answer.status === 200) {
      const why = notMinio(answer);
      if (why) throw new ProbeProblem('config', why);
      return { state: 'pass', summary: 'cluster health 200: write quorum' };
    }
    if (answer.status === 503) return { state: 'fail', summary: 'cluster health 503: no write quorum (drives or nodes offline)' };
    if (answer.status === 404) throw new ProbeProblem('config', 'HTTP 404: no MinIO health endpoint at MINIO_URL');
    throw new ProbeProblem('unavailable', `HTTP ${answer.status}`);
  });
}
