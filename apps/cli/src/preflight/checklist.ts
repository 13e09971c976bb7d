/** One line of the pre-flight checklist, as preflight ticks it. */
export interface ChecklistItem {
  section: string;
  title: string;
  /**
   * pass ✔, fail ✘ (why + fix), unknown ⚪ (asked, no answer: why), skipped
   * (automatable, but what it needs was not given: "not checked"), manual (a
   * person checks it). Only pass is green.
   */
  status: 'pass' | 'fail' | 'unknown' | 'skipped' | 'manual';
  detail: string;
  /** how to fix a failure, or how to enable a skipped check */
  fix?: string;
}

const MARK: Record<ChecklistItem['status'], string> = {
  pass: '[x]',
  fail: '[ ] FAIL',
  unknown: '[ ] ⚪ unknown',
  skipped: '[ ] not checked',
  manual: '[ ] manual',
};

export function preflightExitCode(items: ChecklistItem[]): 0 | 1 {
  return items.some((i) => i.status === 'fail' || i.status === 'unknown' || i.status === 'skipped') ? 1 : 0;
}

function sections(items: ChecklistItem[]): Map<string, ChecklistItem[]> {
  const bySection = new Map<string, ChecklistItem[]>();
  for (const item of items) bySection.set(item.section, [...(bySection.get(item.section) ?? []), item]);
  return bySection;
}

function tally(items: ChecklistItem[]): string {
  const count = (s: ChecklistItem['status']) => items.filter((i) => i.status === s).length;
  return `${count('pass')} passed, ${count('fail')} failed, ${count('unknown') ? `${count('unknown')} unknown, ` : ''}${count('skipped')} not checked, ${count('manual')} manual`;
}

export function renderChecklistText(items: ChecklistItem[], heading = 'Pre-flight checklist'): string {
  const lines = [heading, ''];
  for (const [section, list] of sections(items)) {
    lines.push(section);
    for (const item of list) {
      lines.push(`  ${MARK[item.status]} ${item.title}: ${item.detail.replace(/\n\s*/g, '\n        ')}`);
      if (item.fix && item.status !== 'pass') lines.push(`      → ${item.fix}`);
    }
    lines.push('');
  }
  const code = preflightExitCode(items);
  lines.push(
    `${tally(items)}. ${code === 0 ? 'Every automatable item is green: the manual ones are yours.' : 'Not ready: fix or check the items above (exit 1).'}`,
  );
  return lines.join('\n');
}

export function renderChecklistMarkdown(items: ChecklistItem[], heading = 'Pre-flight checklist'): string {
  const lines = [`# ${heading}`, ''];
  // the icon never alone: a screen reader reads "white circle" or "next track button", the status is the word
  const box: Record<ChecklistItem['status'], string> = {
    pass: '- [x]',
    fail: '- [ ] ❌ FAIL',
    unknown: '- [ ] ⚪ unknown',
    skipped: '- [ ] ⏭️ not checked',
    manual: '- [ ] ✋ manual',
  };
  for (const [section, list] of sections(items)) {
    lines.push(`## ${section}`, '');
    for (const item of list)
      lines.push(`${box[item.status]} **${item.title}**: ${item.detail}${item.fix && item.status !== 'pass' ? ` (${item.fix})` : ''}`);
    lines.push('');
  }
  lines.push(`${tally(items)}.`);
  return lines.join('\n');
}
