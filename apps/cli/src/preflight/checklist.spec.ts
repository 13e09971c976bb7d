import { expect } from '@jest/globals';
import { preflightExitCode, renderChecklistText } from './checklist.js';
import type { ChecklistItem } from './checklist.js';

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
