import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reportItem } from './launch-phases.js';

describe('reportItem: the decision report of today, whole', () => {
  it('passes on the three files written today, and fails on an empty one (what a full disk leaves)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-item-'));
    try {
      for (const f of ['decision.html', 'decision.png', 'decision.md']) writeFileSync(join(dir, f), 'x');
      writeFileSync(join(dir, 'decision.html'), '<html><body>…</body></html>\n');
      expect(reportItem(dir)).toMatchObject({ status: 'pass' });
      // what writing in place on a full disk left: the first 16 KB of the page
      writeFileSync(join(dir, 'decision.html'), '<html><body><svg><text x="616.0" y="55" font-family="Helvetica, Arial, sans-ser');
      expect(reportItem(dir)).toMatchObject({ status: 'fail', detail: `${join(dir, 'decision.html')} is cut short (no closing </html>)` });
      writeFileSync(join(dir, 'decision.html'), '<html><body>…</body></html>\n');
      writeFileSync(join(dir, 'decision.png'), '');
      expect(reportItem(dir)).toMatchObject({ status: 'fail', detail: `missing or empty: ${join(dir, 'decision.png')}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
