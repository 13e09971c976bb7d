import { renderJson, renderJunit, renderMarkdown, renderTable, verdictWebhookPayload } from '../index.js';
import { escapeXml } from './render-junit.js';
import { sampleGateRun } from '../testing.js';

// sampleGateRun is on a fixed clock: every output below is byte-for-byte stable.
const run = sampleGateRun();

describe('renderers', () => {
  it('renders the terminal table', () => {
    expect(renderTable(run)).toMatchSnapshot();
  });

  it('aligns columns by terminal width (emoji are two columns)', () => {
    const rows = renderTable(run)
      .split('\n')
      .slice(2, 10)
      .filter((l) => l.includes(' ms'));
    const latencyColumn = (line: string) => {
      let col = 0;
      for (const ch of line.slice(0, line.search(/\d+ ms/))) col += /[✅⚪]|\p{Extended_Pictographic}/u.test(ch) ? 2 : 1;
      return col;
    };
    expect(new Set(rows.map(latencyColumn)).size).toBe(1);
  });

  it('renders the stable JSON document', () => {
    const text = renderJson(run);
    expect(text).toMatchSnapshot();
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'verdict', 'exitCode', 'startedAt', 'finishedAt', 'gates']);
    expect(doc['schemaVersion']).toBe(1);
  });

  it('renders JUnit XML: 🔴 as <failure>, ⚪ as <skipped>, text escaped', () => {
    const xml = renderJunit(run);
    expect(xml).toMatchSnapshot();
    expect(xml).toContain('<testsuite name="veza-beta gates" tests="6" failures="1" errors="0" skipped="2"');
    expect(xml).toContain('&lt;retry later&gt; &amp; &quot;see&quot;');
    expect(xml).not.toMatch(/<retry later>/);
    expect(xml.match(/<testcase /g)).toHaveLength(6);
  });

  it('escapes XML and drops characters XML cannot carry', () => {
    expect(escapeXml(`a<b>&"c"'d'\u0001\u0007e`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;e');
  });

  it('renders Markdown for a job summary', () => {
    const md = renderMarkdown(run);
    expect(md).toMatchSnapshot();
    expect(
      md
        .split('\n')
        .filter((l) => l.startsWith('| ') && !l.startsWith('| gate'))
        .every((l) => l.split(' | ').length === 7),
    ).toBe(true);
  });

  it('escapes pipes inside Markdown cells', () => {
    const withPipe = sampleGateRun();
    withPipe.gates[0]!.evidence.value = 'a|b';
    expect(renderMarkdown(withPipe)).toContain('| a\\|b |');
  });

  it('builds the Discord webhook payload for a verdict change', () => {
    const payload = verdictWebhookPayload(run, 'GO');
    expect(payload).toMatchSnapshot();
    expect(payload.content.startsWith('🔴 **NO-GO** (was ✅ GO)')).toBe(true);
    expect(verdictWebhookPayload(run, null).content).not.toContain('(was');
  });

  it('keeps the webhook content within Discord limits', () => {
    const long = sampleGateRun();
    for (const g of long.gates) {
      g.state = 'fail';
      g.summary = 'x'.repeat(900);
    }
    const payload = verdictWebhookPayload(long, 'GO');
    expect(payload.content.length).toBeLessThanOrEqual(2000);
    expect(payload.embeds?.[0]?.fields.every((f) => f.value.length <= 1024)).toBe(true);
  });
});
