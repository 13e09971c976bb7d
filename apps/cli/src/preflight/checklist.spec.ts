import { expect } from '@jest/globals';
import { renderChecklistMarkdown, renderChecklistText } from './checklist.js';
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
