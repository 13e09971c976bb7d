import { ProbeProblem, promSampleValue } from '../probe-kit.js';
import { promWarnings } from '../probes/synthetic-probe.js';
import type { ProbeContext, ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import { jsonText } from '../json-text.js';
import { notConfiguredCheck, runLaunchCheck } from './launch-check.js';
import type { LaunchCheck } from './launch-check.js';
import type { LaunchSettings } from './launch-settings.js';

export const MINIO_PROM_TITLE = 'MinIO drives all online (Prometheus)';
export const ERROR_RATIO_TITLE = '5xx ratio over the last hour under PROM_5XX_MAX';

/**
 * The sample values of an instant query (vector or scalar); an empty vector is
 * ⚪ no_data. A NaN series (no traffic) comes back as NaN, for the caller to
 * judge beside the others: a spike on one series is 🔴 whatever a quiet one says.
 * `warning`: the answer's `warnings` or VictoriaMetrics' `isPartial` (it may be partial), which a pass must not ignore.
 */
export async function promInstantValues(
  ctx: ProbeContext,
  promUrl: string,
  query: string,
): Promise<{ values: number[]; warning: string | null }> {
  const url = new URL(`${promUrl}/api/v1/query`);
  url.searchParams.set('query', query);
  const { status, body } = await requestJson(ctx, url.toString(), {
    acceptStatus: [400, 422],
    notFound: 'HTTP 404: no Prometheus API at PROM_URL',
  });
  const envelope = body as {
    status?: unknown;
    errorType?: unknown;
    error?: unknown;
    data?: { resultType?: unknown; result?: unknown };
    warnings?: unknown;
    isPartial?: unknown;
  } | null;
  if (envelope?.status === 'error')
    throw new ProbeProblem(
      status === 400 ? 'config' : 'parse',
      `Prometheus ${jsonText(envelope.errorType).slice(0, 40)}: ${jsonText(envelope.error).slice(0, 200)}`,
    );
  if (envelope?.status !== 'success') throw new ProbeProblem('parse', 'not a Prometheus API answer');
  const pick = (v: unknown) => {
    if (!Array.isArray(v) || typeof v[1] !== 'string') throw new ProbeProblem('parse', 'malformed sample');
    return v[1] === 'NaN' ? Number.NaN : promSampleValue(v[1], query);
  };
  const data = envelope.data;
  let values: number[];
  if (data?.resultType === 'scalar') values = [pick(data.result)];
  else if (data?.resultType === 'vector' && Array.isArray(data.result))
    values = (data.result as { value?: unknown }[]).map((s) => pick(s.value));
  else throw new ProbeProblem('parse', `expected an instant vector, got ${jsonText(data?.resultType, 'nothing').slice(0, 40)}`);
  if (values.length === 0) throw new ProbeProblem('no_data', `no series for ${query}`);
  return { values, warning: promWarnings(envelope) };
}

/** The ⚪ of an answer that would pass but came with warnings: what is missing may fail. */
function partialProblem(warning: string | null): ProbeProblem | null {
  return warning ? new ProbeProblem('no_data', `Prometheus warned that the answer may be partial: ${warning}`) : null;
}

/** The ⚪ of series that are NaN when no other one failed: all of them, or k of n. */
function nanProblem(values: number[], query: string): ProbeProblem | null {
  const nan = values.filter((v) => Number.isNaN(v)).length;
  if (nan === 0) return null;
  if (nan === values.length) return new ProbeProblem('no_data', `${query} is NaN (no traffic or no data)`);
  return new ProbeProblem('no_data', `${nan} of ${values.length} series of ${query} are NaN (no traffic or no data), the others pass`);
}

/** PROM_MINIO_QUERY on PROM_URL: 0 offline drives for ✅. */
export function minioPrometheusCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const prom = settings.promUrl;
  if (!prom) return Promise.resolve(notConfiguredCheck(MINIO_PROM_TITLE, 'PROM_URL'));
  return runLaunchCheck(MINIO_PROM_TITLE, options, async (ctx) => {
    const { values, warning } = await promInstantValues(ctx, prom, settings.promMinioQuery);
    const offline = values.filter((v) => !Number.isNaN(v)).reduce((a, b) => a + b, 0);
    if (offline !== 0) return { state: 'fail', summary: `${offline} offline drive(s) (${settings.promMinioQuery})` };
    const nan = nanProblem(values, settings.promMinioQuery) ?? partialProblem(warning);
    if (nan) throw nan;
    return { state: 'pass', summary: `0 offline drives (${settings.promMinioQuery})` };
  });
}

/** Hour 1: the 5xx share of requests over the last hour at most PROM_5XX_MAX; NaN (no traffic) is ⚪. */
export function errorRatioCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const prom = settings.promUrl;
  if (!prom) return Promise.resolve(notConfiguredCheck(ERROR_RATIO_TITLE, 'PROM_URL'));
  return runLaunchCheck(ERROR_RATIO_TITLE, options, async (ctx) => {
    const { values, warning } = await promInstantValues(ctx, prom, settings.prom5xxQuery);
    const answered = values.filter((v) => !Number.isNaN(v));
    // a series with no traffic (NaN) beside one over the ceiling: the spike is 🔴 (it was ⚪ no_data, the spike unseen)
    const ratio = answered.length ? Math.max(...answered) : Number.NaN;
    // the hundredth of a percent shown on the verdict's side of the ceiling: 1.004 % said "1.00 % (max 1.00 %): a spike"
    // (rounded, then one hundredth up when that is not past the ceiling: a plain ceil of ratio × 10,000 read 1.02 % as 1.03 %)
    const spike = ratio > settings.prom5xxMax;
    const rounded = Number((ratio * 100).toFixed(2));
    const percent = spike && rounded <= settings.prom5xxMax * 100 ? rounded + 0.01 : rounded;
    const shown = `${percent.toFixed(2)} % (max ${(settings.prom5xxMax * 100).toFixed(2)} %)`;
    if (spike) return { state: 'fail', summary: `5xx ratio ${shown}: a spike` };
    const nan = nanProblem(values, settings.prom5xxQuery) ?? partialProblem(warning);
    if (nan) throw nan;
    return { state: 'pass', summary: `5xx ratio ${shown}` };
  });
}
