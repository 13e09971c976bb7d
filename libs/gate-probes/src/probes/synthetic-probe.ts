import type { SyntheticConfig } from '../config.js';
import { ProbeProblem, promSampleValue, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import { jsonText } from '../json-text.js';
import type { GateResult } from '../types.js';

interface PromEnvelope {
  status?: unknown;
  errorType?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
  warnings?: unknown;
  /** VictoriaMetrics cluster */
  isPartial?: unknown;
}

/**
 * Prometheus before 2.54 (the 2.53 LTS among them) sent its info-level annotations in `warnings` too (2.54
 * gave them their own `infos` field, prometheus/prometheus#14327): `PromQL info: metric might not be a
 * counter, name does not end in _total/…` for a rate() of `nginx_ingress_controller_requests`, `PromQL info:
 * input to histogram_quantile needed to be fixed for monotonicity`. They remark on the query's shape, on
 * every evaluation: read as a partial answer, they made the gate ⚪ for good (🔴 once escalated) on a
 * healthy launch.
 */
const PROMQL_INFO = /^PromQL info:/;

/**
 * VictoriaMetrics cluster (vmselect) says it in a field of its own, no `warnings`: `"isPartial": true` when a
 * vmstorage node did not answer (its default, -search.denyPartialResponse=false, answers without it).
 */
const VM_PARTIAL = 'isPartial: true (a VictoriaMetrics cluster answered without one of its vmstorage nodes)';

/**
 * Why a successful answer may be partial, as one line, or null. Prometheus (remote read failures), Thanos and
 * Mimir (`partial response`: a store did not answer) say it in `warnings`, VictoriaMetrics cluster in
 * `isPartial`. Info-level annotations (PROMQL_INFO) are left out: they say nothing is missing.
 */
export function promWarnings(envelope: { warnings?: unknown; isPartial?: unknown } | null): string | null {
  const warnings = Array.isArray(envelope?.warnings) ? envelope.warnings : [];
  const texts = warnings.map((w) => jsonText(w)).filter((w) => !PROMQL_INFO.test(w));
  if (envelope?.isPartial === true) texts.unshift(VM_PARTIAL);
  return texts.length === 0 ? null : texts.join('; ').slice(0, 200);
}

/** The sample values of an instant query: a vector's series, or a scalar. */
function sampleValues(data: PromEnvelope['data']): { series: string; value: string }[] {
  const pick = (v: unknown) => (Array.isArray(v) && typeof v[1] === 'string' ? v[1] : null);
  if (data?.resultType === 'scalar') {
    const value = pick(data.result);
    if (value === null) throw new ProbeProblem('parse', 'malformed scalar result');
    return [{ series: 'scalar', value }];
  }
  if (data?.resultType !== 'vector' || !Array.isArray(data.result)) {
    throw new ProbeProblem(
      'parse',
      `expected an instant vector, got ${jsonText(data?.resultType, 'nothing').slice(0, 40)} (use an instant query)`,
    );
  }
  return (data.result as { metric?: Record<string, string>; value?: unknown }[]).map((item) => {
    const value = pick(item.value);
    if (value === null) throw new ProbeProblem('parse', 'malformed vector sample');
    const labels = Object.entries(item.metric ?? {}).map(([k, v]) => `${jsonText(k)}="${jsonText(v)}"`);
    return { series: `{${labels.join(',')}}`, value };
  });
}

/**
 * Gate 4: a Prometheus instant query, by default the worst probe_success over
 * 15 minutes. Every series must be 1 for ✅; any below 1 is 🔴; an empty result
 * (stale or never scraped), NaN, and series at 1 in an answer with `warnings`
 * (a partial answer) are ⚪ no_data, never ✅.
 */
export function syntheticProbe(config: SyntheticConfig, options: ProbeOptions = {}): Promise<GateResult> {
  return runProbe('synthetic', '= 1', options, async (ctx) => {
    const url = new URL(`${config.promUrl}/api/v1/query`);
    url.searchParams.set('query', config.query);
    // Ask Prometheus to stop before our own budget ends, so its error beats our timeout.
    url.searchParams.set('timeout', `${Math.max(1, Math.floor(ctx.timeoutMs / 1000) - 1)}s`);
    const { status, body } = await requestJson(ctx, url.toString(), {
      acceptStatus: [400, 422],
      notFound: 'HTTP 404: no Prometheus API at PROM_URL',
    });
    const envelope = body as PromEnvelope;
    if (envelope?.status === 'error') {
      const message = `Prometheus ${jsonText(envelope.errorType).slice(0, 40)}: ${jsonText(envelope.error).slice(0, 200)}`;
      throw new ProbeProblem(status === 400 ? 'config' : envelope.errorType === 'timeout' ? 'timeout' : 'parse', message);
    }
    if (envelope?.status !== 'success') throw new ProbeProblem('parse', 'not a Prometheus API answer');
    const samples = sampleValues(envelope.data);
    const details = { query: config.query, series: samples };
    if (samples.length === 0) throw new ProbeProblem('no_data', `no series for ${config.query} (stale or never scraped)`);
    // Each series judged on its own: one at 0 is 🔴 whatever another says (NaN or garbage beside it made the gate ⚪).
    const judged = samples.map((s) => {
      try {
        return { value: promSampleValue(s.value, config.query), problem: null };
      } catch (error) {
        if (error instanceof ProbeProblem) return { value: null, problem: error };
        throw error;
      }
    });
    const numbers = judged.flatMap((j) => (j.value === null ? [] : [j.value]));
    const failing = samples.filter((_, i) => (judged[i]!.value ?? 1) < 1).map((s) => s.series);
    if (failing.length)
      return {
        state: 'fail',
        value: Math.min(...numbers),
        summary: `${failing.length} of ${samples.length} series below 1: ${failing.join(' ')}`,
        details,
      };
    if (samples.some((s) => s.value === 'NaN'))
      return { state: 'unknown', reason: 'no_data', value: 'NaN', summary: `${config.query} is NaN`, details };
    const problem = judged.find((j) => j.problem !== null)?.problem;
    if (problem) throw problem;
    // Series at 1 beside a warning: the missing ones may be at 0. A series below 1 is 🔴 whatever is missing.
    const warning = promWarnings(envelope);
    if (warning)
      throw new ProbeProblem('no_data', `${samples.length} series at 1, but Prometheus warned that the answer may be partial: ${warning}`);
    const worst = Math.min(...numbers);
    return { state: 'pass', value: worst, summary: `${samples.length} series at 1`, details };
  });
}
