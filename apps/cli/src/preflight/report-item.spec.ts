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
      expect(reportItem(dir)).toMatchObject({ status: 'pass' });
      writeFileSync(join(dir, 'decision.png'), '');
      expect(reportItem(dir)).toMatchObject({ status: 'fail', detail: `missing or empty: ${join(dir, 'decision.png')}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
