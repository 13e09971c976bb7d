import type { GateRun } from '@veza/gate-probes';
import type { Check } from './check-helpers.js';

export const GATES_TITLE = 'Acceptance gates: every configured gate ✅';

/**
 * The checklist's gates item from one run. ⚪ is never green: the item is ✅
 * only when every gate answered ✅; a 🔴 fails it; a configured gate that
 * could not answer makes it ⚪; gates with no settings make it "not checked",
 * naming the variables to set.
 */
export function gatesItem(run: GateRun): Check {
  const red = run.gates.filter((g) => g.state === 'fail');
  const unconfigured = run.gates.filter((g) => g.state === 'unknown' && g.reason === 'not_configured');
  const unknown = run.gates.filter((g) => g.state === 'unknown' && g.reason !== 'not_configured');
  const green = run.gates.filter((g) => g.state === 'pass');
  const counts = `${green.length} ✅, ${red.length} 🔴, ${unknown.length} ⚪, ${unconfigured.length} not configured`;
  if (red.length > 0) {
    return {
      title: GATES_TITLE,
      status: 'fail',
      detail: `${counts}: ${red.map((g) => `🔴 ${g.title}: ${g.summary}`).join('; ')}`,
      fix: 'run veza-beta gates check for the evidence',
    };
  }
  if (unknown.length > 0) {
    return {
      title: GATES_TITLE,
      status: 'unknown',
      detail: `${counts}: ${unknown.map((g) => `⚪ ${g.title}: ${g.reason ?? 'unknown'}, ${g.summary}`).join('; ')}`,
      fix: 'a gate that does not answer is not green: run veza-beta gates check and fix what it cannot reach',
    };
  }
  if (unconfigured.length > 0) {
    return {
      title: GATES_TITLE,
      status: 'skipped',
      detail: `${counts}: ${unconfigured.map((g) => `${g.title} ${g.summary}`).join('; ')}`,
      fix: 'set the variables named above (docs/CONFIGURATION.md, gates)',
    };
  }
  return { title: GATES_TITLE, status: 'pass', detail: `all ${green.length} gates ✅` };
}
