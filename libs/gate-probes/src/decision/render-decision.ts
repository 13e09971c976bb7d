import { funnelSvg, gateHistorySvg } from './charts.js';
import { escapeHtml, STATE_COLOURS, STATE_WORDS } from './decision-input.js';
import type { DecisionReportInput } from './decision-input.js';
import { VERDICT_ICONS } from '../verdict.js';

const VERDICT_COLOURS = { GO: '#2e7d32', 'NO-GO': '#c62828', INCONCLUSIVE: '#757575' } as const;
const cellMd = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function evidenceLine(g: DecisionReportInput['run']['gates'][number]): string {
  const e = g.evidence;
  return [
    `value ${e.value ?? '—'}`,
    `threshold ${e.threshold}`,
    e.httpStatus ? `HTTP ${e.httpStatus}` : null,
    e.source ? `source ${e.source}` : null,
    `observed ${e.observedAt}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * The dispatch in emails, one per invite: beside the funnel, which counts
 * people, an invite issued again is a second email (41 emails for 40 people).
 */
const dispatchLine = (d: DecisionReportInput['dispatch']) =>
  `Invitation emails (one per invite; an invite issued again is a second one): ${d.sent} sent, ${d.failed} failed, ${d.unknown} unknown of ${d.attempted} tried.`;

/**
 * Said under the dispatch failures when the caller listed fewer than the counts say (its page cap), or null.
 * The counts come from the database: a dispatch whose dispatch.log could not be written (a full disk), or
 * that ran on another machine, has them there only, so the database is named first.
 */
function failuresCut(input: DecisionReportInput): string | null {
  const all = input.dispatch.failed + input.dispatch.unknown;
  const shown = input.failures.length;
  return shown < all
    ? `Listed: ${shown} of the ${all} failed or unknown; the other ${all - shown} are in the database (beta_invites rows not sent nor revoked, tried or claimed; last_send_error says why), and in the dispatch.log of the folder that tried them when that log could be written.`
    : null;
}

/** Said under the gate history when the caller could read only the newest stored runs. */
const HISTORY_CUT = (n: number) =>
  `Only the newest ${n} stored runs are drawn: the window's earlier runs are left out (the chart starts later than the beta).`;

/** Said under the HIGH issues when the listing was cut at its page cap. */
const HIGH_CUT = 'The listing was cut at its page limit while GitHub had more: more HIGH issues may be open than shown here.';
/**
 * The decision call's page: verdict, each gate with its evidence, the gate
 * history and the funnel as inline SVG, dispatch failures, open HIGH issues,
 * and the decisions recorded so far. Self-contained: no script, no font, no
 * image or style fetched at view time; sized for a shared screen.
 */
export function renderDecisionHtml(input: DecisionReportInput): string {
  const { run } = input;
  const gates = run.gates
    .map(
      (g) =>
        `<tr><td class="state"><span class="dot" style="background:${STATE_COLOURS[g.state]}"></span>${g.state}</td><td><b>${escapeHtml(g.title)}</b><br>${escapeHtml(g.summary)}${g.reason ? ` <i>(${escapeHtml(g.reason)})</i>` : ''}</td><td class="ev">${escapeHtml(evidenceLine(g))}</td></tr>`,
    )
    .join('\n');
  const failures = input.failures.length
    ? `<table><tr><th>email</th><th>cohort</th><th>attempts</th><th>last error</th></tr>${input.failures.map((f) => `<tr><td>${escapeHtml(f.email)}</td><td>${escapeHtml(f.cohort)}</td><td>${f.attempts}</td><td>${escapeHtml(f.lastError ?? 'outcome unknown (claimed, never confirmed)')}</td></tr>`).join('')}</table>`
    : input.dispatch.failed + input.dispatch.unknown === 0
      ? '<p>No email failed, and none has an unknown outcome.</p>'
      : ''; // some were not listed: failuresCut says how many and where they are
  const cut = failuresCut(input);
  const failuresMore = cut ? `<p>${escapeHtml(cut)}</p>` : '';
  const high = input.highIssues.ok
    ? input.highIssues.issues.length
      ? `<table><tr><th>#</th><th>title</th><th>opened</th><th>assignees</th><th>comments</th></tr>${input.highIssues.issues.map((i) => `<tr><td>${i.number}</td><td>${escapeHtml(i.title)}</td><td>${i.createdAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</td><td>${i.assignees}</td><td>${i.comments}</td></tr>`).join('')}</table>`
      : '<p>No open HIGH issue.</p>'
    : `<p>⚪ Not read: ${escapeHtml(input.highIssues.why)}</p>`;
  const highCut = input.highIssues.ok && input.highIssues.truncated ? `<p>⚪ ${HIGH_CUT}</p>` : '';
  const decisions = input.decisions.length
    ? `<ul>${input.decisions.map((d) => `<li><b>${escapeHtml(d.decision)}</b> ${d.decidedAt.toISOString()}${d.by.length ? ` by ${escapeHtml(d.by.join(', '))}` : ''}${d.note ? `: ${escapeHtml(d.note)}` : ''}</li>`).join('')}</ul>`
    : '<p>No decision recorded yet: <code>veza-beta decision record GO|NO-GO --note …</code></p>';
  const d = input.dispatch;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Veza beta decision: ${run.verdict}</title>
<style>
body{font-family:Helvetica,Arial,sans-serif;font-size:20px;color:#222;max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:34px;margin:0 0 8px} h2{font-size:26px;margin:32px 0 12px;border-bottom:2px solid #ddd}
.verdict{display:inline-block;color:#fff;font-size:40px;font-weight:bold;padding:10px 28px;border-radius:8px}
table{border-collapse:collapse;width:100%} td,th{border-bottom:1px solid #ddd;padding:8px;text-align:left;vertical-align:top}
.state{white-space:nowrap;font-weight:bold} .dot{display:inline-block;width:18px;height:18px;border-radius:50%;margin-right:8px;vertical-align:-2px} .ev{font-size:15px;color:#555;word-break:break-all}
.meta{color:#555}
</style></head>
<body>
<h1>Veza beta: decision call</h1>
<p class="meta">Gates run ${escapeHtml(run.startedAt)} → ${escapeHtml(run.finishedAt)} · report written ${input.generatedAt.toISOString()}</p>
<p><span class="verdict" style="background:${VERDICT_COLOURS[run.verdict]}">${run.verdict}</span></p>
<h2>Gates</h2>
<table id="gates"><tr><th>state</th><th>gate</th><th>evidence</th></tr>
${gates}
</table>
<h2>Gate history</h2>
${gateHistorySvg(input.history)}${input.historyCut ? `<p>⚪ ${HISTORY_CUT(input.history.length)}</p>` : ''}
<h2>Funnel per cohort</h2>
${funnelSvg(input.funnel)}
<h2>Dispatch</h2>
<p>${escapeHtml(dispatchLine(d))}</p>
${failures}${failuresMore}
<h2>Open HIGH issues</h2>
${high}${highCut}
<h2>Decisions recorded</h2>
${decisions}
</body></html>
`;
}

/** The same report for the chat: verdict, gates with evidence, funnel, failures, HIGH issues. */
export function renderDecisionMarkdown(input: DecisionReportInput): string {
  const { run } = input;
  const cut = failuresCut(input);
  const lines = [
    `# Veza beta decision call: ${VERDICT_ICONS[run.verdict]} ${run.verdict}`,
    '',
    `Gates run ${run.startedAt} → ${run.finishedAt}; report written ${input.generatedAt.toISOString()}.`,
    '',
    '| state | gate | summary | evidence |',
    '|---|---|---|---|',
    ...run.gates.map(
      (g) =>
        `| ${STATE_WORDS[g.state]} | ${cellMd(g.title)} | ${cellMd(g.summary)}${g.reason ? ` (${g.reason})` : ''} | ${cellMd(evidenceLine(g))} |`,
    ),
    '',
    '## Funnel per cohort',
    '',
    '| cohort | invited | sent | redeemed |',
    '|---|---:|---:|---:|',
    ...input.funnel.map((c) => `| ${cellMd(c.cohort)} | ${c.invited} | ${c.sent} | ${c.redeemed} |`),
    '',
    '## Dispatch',
    '',
    dispatchLine(input.dispatch),
    ...input.failures.map((f) => `- ${f.email} (${f.cohort}), ${f.attempts} attempt(s): ${f.lastError ?? 'outcome unknown'}`),
    ...(cut ? ['', cut] : []),
    '',
    '## Open HIGH issues',
    '',
  ];
  if (!input.highIssues.ok) lines.push(`⚪ Not read: ${input.highIssues.why}`);
  else if (input.highIssues.issues.length === 0 && !input.highIssues.truncated) lines.push('No open HIGH issue.');
  else
    lines.push(
      '| # | title | opened | assignees | comments |',
      '|---:|---|---|---:|---:|',
      ...input.highIssues.issues.map(
        (i) => `| ${i.number} | ${cellMd(i.title)} | ${i.createdAt.toISOString()} | ${i.assignees} | ${i.comments} |`,
      ),
    );
  if (input.highIssues.ok && input.highIssues.truncated) lines.push('', `⚪ ${HIGH_CUT}`);
  lines.push('', `Gate history: ${input.history.length} stored run(s), chart in decision.html / decision.png.`);
  if (input.historyCut) lines.push('', `⚪ ${HISTORY_CUT(input.history.length)}`);
  return `${lines.join('\n')}\n`;
}
