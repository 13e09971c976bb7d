import { ProbeProblem } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import { notConfiguredCheck, runLaunchCheck } from './launch-check.js';
import type { LaunchCheck, LaunchObservation } from './launch-check.js';
import type { LaunchSettings } from './launch-settings.js';
import { jsonText } from '../json-text.js';

export const MAINTENANCE_TITLE = 'Status page maintenance window declared for the beta period';

export interface Maintenance {
  name: string;
  status: string;
  scheduledFor: Date | null;
  scheduledUntil: Date | null;
}

/** Declared = one maintenance not `completed` whose [scheduled_for, scheduled_until] covers the window. */
export function maintenanceVerdict(maintenances: Maintenance[], start: Date, end: Date): LaunchObservation {
  const covering = maintenances.find(
    (m) =>
      m.status !== 'completed' &&
      m.scheduledFor !== null &&
      m.scheduledUntil !== null &&
      m.scheduledFor <= start &&
      m.scheduledUntil >= end,
  );
  if (covering)
    return {
      state: 'pass',
      summary: `"${covering.name}" (${covering.status}) ${covering.scheduledFor!.toISOString()} → ${covering.scheduledUntil!.toISOString()}`,
    };
  const open = maintenances.filter((m) => m.status !== 'completed');
  return {
    state: 'fail',
    summary: `no maintenance covers ${start.toISOString()} → ${end.toISOString()}${open.length ? ` (declared: ${open.map((m) => `"${m.name}" ${m.scheduledFor?.toISOString() ?? '?'} → ${m.scheduledUntil?.toISOString() ?? '?'}`).join('; ')})` : ''}`,
  };
}

/** STATUSPAGE_URL's summary.json `scheduled_maintenances` covers BETA_START…BETA_END. */
export function maintenanceCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  const page = settings.statuspageUrl;
  if (!page) return Promise.resolve(notConfiguredCheck(MAINTENANCE_TITLE, 'STATUSPAGE_URL'));
  const window = settings.window;
  if (!window) return Promise.resolve(notConfiguredCheck(MAINTENANCE_TITLE, 'BETA_START and BETA_END'));
  return runLaunchCheck(MAINTENANCE_TITLE, options, async (ctx) => {
    const { body } = await requestJson(ctx, `${page}/api/v2/summary.json`, { notFound: 'HTTP 404: no Statuspage at STATUSPAGE_URL' });
    const list = (body as { scheduled_maintenances?: unknown } | null)?.scheduled_maintenances;
    if (!Array.isArray(list)) throw new ProbeProblem('parse', 'summary.json has no scheduled_maintenances list');
    const date = (v: unknown) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? new Date(v) : null);
    const maintenances = (list as Record<string, unknown>[]).map((m) => ({
      name: jsonText(m['name']),
      status: jsonText(m['status']),
      scheduledFor: date(m['scheduled_for']),
      scheduledUntil: date(m['scheduled_until']),
    }));
    return maintenanceVerdict(maintenances, window.start, window.end);
  });
}
