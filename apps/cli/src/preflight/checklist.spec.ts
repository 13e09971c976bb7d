import { expect } from '@jest/globals';
import { preflightExitCode, renderChecklistMarkdown, renderChecklistText } from './checklist.js';
import type { ChecklistItem } from './checklist.js';

const items: ChecklistItem[] = [
  { section: 'S', title: 'passes', status: 'pass', detail: 'ok' },
  { section: 'S', title: 'fails', status: 'fail', detail: 'no', fix: 'fix it' },
  { section: 'S', title: 'unanswered', status: 'unknown', detail: 'timeout' },
  { section: 'S', title: 'unset', status: 'skipped', detail: 'not checked', fix: 'set X' },
  { section: 'S', title: 'by hand', status: 'manual', detail: 'look' },
];

describe('the checklist, as a screen reader or a C-locale terminal gets it', () => {
  // An icon alone is read as "white circle", "next track button" or "raised hand", or shown as "?": the word says the status.
  it('gives every status that is not a ticked box in a word, in Markdown as in text', () => {
    const markdown = renderChecklistMarkdown(items).split('\n');
    expect(markdown.filter((l) => l.startsWith('- ['))).toEqual([
      '- [x] **passes**: ok',
      '- [ ] ❌ FAIL **fails**: no (fix it)',
      '- [ ] ⚪ unknown **unanswered**: timeout',
      '- [ ] ⏭️ not checked **unset**: not checked (set X)',
      '- [ ] ✋ manual **by hand**: look',
    ]);
    const text = renderChecklistText(items).split('\n');
    expect(text.filter((l) => l.startsWith('  ['))).toEqual([
      '  [x] passes: ok',
      '  [ ] FAIL fails: no',
      '  [ ] ⚪ unknown unanswered: timeout',
      '  [ ] not checked unset: not checked',
      '  [ ] manual by hand: look',
    ]);
  });
});

// Found by mutation testing: with `skipped` (or `unknown`) dropped from preflightExitCode, a preflight that
// had not checked an item exited 0, and every spec stayed green: the CLI's runs always had a failing item too.
describe('the preflight exit code: only pass (and the manual items, a person checks them) is green', () => {
  const item = (status: ChecklistItem['status']): ChecklistItem => ({ section: 'S', title: `a ${status} item`, status, detail: 'd' });
  const green = [item('pass'), item('manual'), item('pass')];

  it('is 0 when every automatable item passed', () => {
    expect(preflightExitCode(green)).toBe(0);
    expect(renderChecklistText(green)).toContain('2 passed, 0 failed, 0 not checked, 1 manual. Every automatable item is green');
  });

  it.each(['fail', 'unknown', 'skipped'] as const)('is 1 with a single %s item among passes', (status) => {
    const items = [...green, item(status)];
    expect(preflightExitCode(items)).toBe(1);
    expect(renderChecklistText(items)).toContain('Not ready: fix or check the items above (exit 1).');
  });
});
