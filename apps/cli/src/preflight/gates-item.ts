import type { GateRun } from '@veza/gate-probes';
import type { Check } from './check-helpers.js';

/** Each status carries its word beside its icon: a screen reader says "white circle" for ⚪, a C-locale terminal shows "?". */
export const GATES_TITLE = 'Acceptance gates: every configured gate ✅ pass';

/**
 * The checklist's gates item from one run. ⚪ is never green: the item is ✅
 * only when every gate answered ✅ (before the send, the testers gate only has
 * to answer: nobody can have signed up yet); a 🔴 fails it; a configured gate that
 * could not answer makes it ⚪; gates with no settings make it "not checked",
 * naming the variables to set.
 */
export function gatesItem(run: GateRun, options: { beforeSend?: boolean } = {}): Check {
  // Before the send nobody can have signed up: the testers gate has to answer (its probe works),
  // its target applies from the send on. Its 🔴 is shown, not counted; its ⚪ still is.
  const waiting = options.beforeSend ? run.gates.filter((g) => g.id === 'testers' && g.state === 'fail') : [];
  const red = run.gates.filter((g) => g.state === 'fail' && !waiting.includes(g));
  const unconfigured = run.gates.filter((g) => g.state === 'unknown' && g.reason === 'not_configured');
  const unknown = run.gates.filter((g) => g.state === 'unknown' && g.reason !== 'not_configured');
  const green = run.gates.filter((g) => g.state === 'pass');
  const before = waiting.map((g) => `, ${g.title} answered ${g.summary} (its target applies from the send on)`).join('');
  const counts = `${green.length} ✅ pass, ${red.length} 🔴 FAIL, ${unknown.length} ⚪ unknown, ${unconfigured.length} not configured${before}`;
  if (red.length > 0) {
    return {
      title: GATES_TITLE,
      status: 'fail',
      detail: `${counts}: ${red.map((g) => `🔴 FAIL ${g.title}: ${g.summary}`).join('; ')}`,
      fix: 'run veza-beta gates check for the evidence',
    };
  }
  if (unknown.length > 0) {
    return {
      title: GATES_TITLE,
      status: 'unknown',
      detail: `${counts}: ${unknown.map((g) => `⚪ unknown ${g.title}: ${g.reason ?? 'unknown'}, ${g.summary}`).join('; ')}`,
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
  return {
    title: GATES_TITLE,
    status: 'pass',
    detail: waiting.length ? `${green.length} gates ✅ pass${before}` : `all ${green.length} gates ✅ pass`,
  };
}
