import { describe, expect, it } from '@jest/globals';
import type { PrepareResult } from '../prepare/prepare-invites.js';
import { formatPrepareResult } from './invites-prepare.js';

describe('formatPrepareResult', () => {
  it('lists the first 50 skipped and failed rows and counts the rest: a rerun of a 300,000-row cohort is not 300,000 lines', () => {
    const skipped = Array.from({ length: 300_000 }, (_, i) => ({
      line: i + 2,
      email: `s${i}@example.org`,
      reason: 'this email already has an invite (sent)',
    }));
    const failed = Array.from({ length: 120 }, (_, i) => ({
      line: i + 2,
      email: `f${i}@example.org`,
      cohort: 'fans',
      sentBy: 'ghost@example.org',
      role: null,
      name: null,
      reason: 'sent_by matches no user',
    }));
    const result: PrepareResult = {
      outDir: 'out',
      created: [],
      skipped,
      failed,
      failedCsv: '/srv/out/failed.csv',
      preview: null,
      lost: [],
    };
    const lines = formatPrepareResult(result).split('\n');
    expect(lines[0]).toBe('prepared out: 0 email(s) rendered, 300000 skipped, 120 failed.');
    expect(lines.filter((l) => l.startsWith('  skipped  line '))).toHaveLength(50);
    expect(lines).toContain('  ... and 299950 more skipped (--json lists every row)');
    expect(lines.filter((l) => l.startsWith('  failed   line '))).toHaveLength(50);
    expect(lines).toContain('  ... and 70 more failed (every failed row is in failed.csv, with its reason)');
    expect(lines.length).toBeLessThan(110);
  });

  it('prints the commands to run next with the folder as one shell word: a space, a leading dash (help, exit 0: nothing sent)', () => {
    const result = (outDir: string): PrepareResult => ({
      outDir,
      created: [{ inviteId: 'i', email: 'a@example.org', file: 'i.eml' }] as unknown as PrepareResult['created'],
      skipped: [],
      failed: [],
      failedCsv: `${outDir}/failed.csv`,
      preview: null,
      lost: [],
    });
    expect(formatPrepareResult(result('/tmp/sp ace/o'))).toContain(
      "fix them, then run: veza-beta invites prepare '/tmp/sp ace/o/failed.csv' --out '/tmp/sp ace/o' --force\n",
    );
    expect(formatPrepareResult(result('/tmp/sp ace/o'))).toContain("Review the emails, then: veza-beta invites dispatch '/tmp/sp ace/o'");
    expect(formatPrepareResult(result('-dash'))).toContain('Review the emails, then: veza-beta invites dispatch ./-dash');
    expect(formatPrepareResult(result('out-2026-12-01'))).toContain('Review the emails, then: veza-beta invites dispatch out-2026-12-01');
  });
});
