import type { LaunchCheck } from '@veza/gate-probes';
import type { Check } from './check-helpers.js';

/**
 * A launch-day check as a checklist line: ✅ pass, 🔴 fail, ⚪ unknown with its
 * reason, "not checked" naming the setting. Only pass is green.
 */
export function launchItem(check: LaunchCheck, fix?: string): Check {
  const where = check.source ? ` (${check.source})` : '';
  switch (check.state) {
    case 'pass':
      return { title: check.title, status: 'pass', detail: `${check.summary}${where}` };
    case 'fail':
      return { title: check.title, status: 'fail', detail: `${check.summary}${where}`, ...(fix ? { fix } : {}) };
    case 'unknown':
      return {
        title: check.title,
        status: 'unknown',
        detail: `${check.reason ?? 'unknown'}: ${check.summary}${where}`,
        fix: 'a check that cannot answer is not green: fix what it cannot reach',
      };
    case 'not_configured':
      return { title: check.title, status: 'skipped', detail: 'not checked', fix: check.summary.replace(/^not checked \((.*)\)$/, '$1') };
  }
}
