import { funnelSvg, gateHistorySvg, renderDecisionHtml, renderDecisionMarkdown } from '../index.js';
import type { DecisionReportInput } from '../index.js';
import { sampleGateRun } from '../testing.js';

function input(): DecisionReportInput {
  const run = sampleGateRun();
  const at = (m: number) => new Date(Date.parse('2026-06-12T12:00:00.000Z') + m * 60_000).toISOString();
  return {
    generatedAt: new Date('2026-06-12T17:46:00.000Z'),
    run,
    history: [0, 60, 120].map((m, i) => ({
      startedAt: at(m),
      gates: run.gates.map((g) => ({ id: g.id, title: g.title, state: i === 0 ? ('unknown' as const) : g.state })),
    })),
    funnel: [
      { cohort: 'creators-<fr>', invited: 20, sent: 20, redeemed: 12 },
      { cohort: 'listeners', invited: 40, sent: 39, redeemed: 25 },
    ],
    dispatch: { attempted: 60, sent: 59, failed: 1, unknown: 0 },
    failures: [{ email: 'ana@example.org', cohort: 'listeners', attempts: 3, lastError: '550 <mailbox> unavailable' }],
    highIssues: {
      ok: true,
      issues: [
        {
          number: 12,
          title: 'Upload fails on <Safari>',
          createdAt: new Date('2026-06-12T15:00:00Z'),
          assignees: 0,
          comments: 2,
          url: null,
        },
      ],
    },
    decisions: [],
  };
}

describe('the decision report', () => {
  it('is self-contained: no script, no external resource, every text escaped', () => {
    const html = renderDecisionHtml(input());
    expect(html).not.toMatch(/<script|<link|src=|url\(|@import/i);
    expect(html).not.toMatch(/href="https?:/);
    expect(html).toContain('Upload fails on &lt;Safari&gt;');
    expect(html).toContain('creators-&lt;fr&gt;');
    expect(html).toContain('550 &lt;mailbox&gt; unavailable');
    expect(html).toContain('>NO-GO</span>');
  });

  it('draws one history cell per gate and run, coloured by state, and the funnel bars with their numbers', () => {
    const history = gateHistorySvg(input().history);
    expect(history.match(/<rect /g)).toHaveLength(6 * 3);
    expect(history.match(/fill="#9e9e9e"><title>/g)?.length).toBe(6 + 2 * 2); // first run all ⚪, then synthetic and HIGH ⚪
    expect(history).toContain('<title>Sentry high-priority issues 2026-06-12T13:00:00.000Z: fail</title>');
    const funnel = funnelSvg(input().funnel);
    expect(funnel.match(/<rect [^>]*><title>/g)).toHaveLength(2 * 3);
    expect(funnel).toContain('<title>listeners redeemed: 25</title>');
    expect(gateHistorySvg([])).toContain('No stored gate run yet');
  });

  it('the Markdown version has the verdict, each gate with its evidence, the funnel and the HIGH issues', () => {
    const md = renderDecisionMarkdown(input());
    expect(md.split('\n')[0]).toBe('# Veza beta decision call: 🔴 NO-GO');
    expect(md).toContain('| 🔴 fail | Sentry high-priority issues | 2 issue(s) match');
    expect(md).toContain('| listeners | 40 | 39 | 25 |');
    expect(md).toContain('| 12 | Upload fails on <Safari> | 2026-06-12T15:00:00.000Z | 0 | 2 |');
    expect(md).toContain('- ana@example.org (listeners), 3 attempt(s): 550 <mailbox> unavailable');
    expect(md).toMatchSnapshot();
    expect(renderDecisionMarkdown({ ...input(), highIssues: { ok: false, why: 'auth: HTTP 401' } })).toContain(
      '⚪ Not read: auth: HTTP 401',
    );
    // a listing cut at its page cap says so: more may be open than shown (it read as the whole list)
    const cut = { ...input(), highIssues: { ok: true as const, issues: [], truncated: true } };
    expect(renderDecisionMarkdown(cut)).toContain('⚪ The listing was cut at its page limit while GitHub had more');
    expect(renderDecisionMarkdown(cut)).not.toContain('No open HIGH issue.');
    expect(renderDecisionHtml(cut)).toContain('⚪ The listing was cut at its page limit while GitHub had more');
  });

  it('says when the failures listed are fewer than the failed and unknown counted (the caller lists 50 at most)', () => {
    const many = { ...input(), dispatch: { attempted: 60, sent: 5, failed: 54, unknown: 1 } };
    // the counts are the database's: a dispatch that could not write its dispatch.log (a full disk) has them there only
    const more =
      'Listed: 1 of the 55 failed or unknown; the other 54 are in the database (beta_invites rows not sent nor revoked, tried or claimed; last_send_error says why), and in the dispatch.log of the folder that tried them when that log could be written.';
    expect(renderDecisionMarkdown(many)).toContain(`- ana@example.org (listeners), 3 attempt(s): 550 <mailbox> unavailable\n\n${more}\n`);
    expect(renderDecisionHtml(many)).toContain(`<p>${more}</p>`);
    // all listed: nothing more said
    expect(renderDecisionMarkdown(input())).not.toContain('failed or unknown; the other');
  });

  it('says when the gate history is only the newest stored runs (the caller could not read the whole window)', () => {
    const cut = { ...input(), historyCut: true };
    const words = 'Only the newest 3 stored runs are drawn: the window';
    expect(renderDecisionMarkdown(cut)).toContain(`⚪ ${words}`);
    expect(renderDecisionHtml(cut)).toContain(`<p>⚪ ${words}`);
    expect(renderDecisionMarkdown(input())).not.toContain(words);
  });

  it('says that no email failed only when no email failed and none is unknown (not when the caller listed none of them)', () => {
    const clean = { ...input(), dispatch: { attempted: 60, sent: 60, failed: 0, unknown: 0 }, failures: [] };
    expect(renderDecisionHtml(clean)).toContain('<p>No email failed, and none has an unknown outcome.</p>');
    const unlisted = { ...input(), dispatch: { attempted: 60, sent: 57, failed: 2, unknown: 1 }, failures: [] };
    const html = renderDecisionHtml(unlisted);
    expect(html).not.toContain('<p>None.</p>');
    expect(html).not.toContain('No email failed');
    expect(html).toContain('<p>Listed: 0 of the 3 failed or unknown;');
  });

  it('counts the dispatch in emails, apart from the funnel in people', () => {
    const line = 'Invitation emails (one per invite; an invite issued again is a second one): 59 sent, 1 failed, 0 unknown of 60 tried.';
    expect(renderDecisionMarkdown(input())).toContain(`\n${line}\n`);
    expect(renderDecisionHtml(input())).toContain(`<p>${line}</p>`);
  });

  it('gives the zone of every time it shows: the HIGH issues opened (UTC)', () => {
    expect(renderDecisionHtml(input())).toContain('<td>2026-06-12 15:00 UTC</td>');
  });
});
