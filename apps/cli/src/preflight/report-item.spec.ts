import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordDecision } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { decisionRecordedItem, decisionReportItem, reportItem } from './launch-phases.js';

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

  it('says what to do when only the screenshot is missing (no Chromium): running the report again alone changes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-item-'));
    try {
      writeFileSync(join(dir, 'decision.html'), '<html><body>…</body></html>\n');
      writeFileSync(join(dir, 'decision.md'), '# GO\n');
      expect(reportItem(dir)).toMatchObject({
        status: 'fail',
        fix: `decision.png is the page's screenshot, taken with headless Chromium at /usr/bin/chromium (apt-get install -y chromium when it is missing; the report says why it took none), then run: veza-beta decision report --out ${dir}`,
      });
      // a report of another day names the folder to write again, as the other cases do
      writeFileSync(join(dir, 'decision.png'), 'png');
      const yesterday = new Date(Date.now() - 36 * 3600_000);
      utimesSync(join(dir, 'decision.html'), yesterday, yesterday);
      expect(reportItem(dir)).toMatchObject({ status: 'fail', fix: `run: veza-beta decision report --out ${dir}` });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("without --report-dir and no report in today's default folder, names --report-dir beside the command: a report written with --out (decision report --help's example) was sent to write another", () => {
    const day = new Date(2031, 0, 2, 12); // a day whose default folder no run has made here
    expect(reportItem(undefined, day)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('decision-2031-01-02/decision.html'),
      fix: 'run: veza-beta decision report (one written elsewhere with --out DIR is read with --report-dir DIR)',
    });
  });

  it('fails when decision.png is older than the page: the picture of an earlier report (the run stopped while Chromium ran)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-item-'));
    try {
      for (const f of ['decision.png', 'decision.md']) writeFileSync(join(dir, f), 'x');
      writeFileSync(join(dir, 'decision.html'), '<html><body>INCONCLUSIVE</body></html>\n');
      const earlier = new Date(Date.now() - 60_000);
      utimesSync(join(dir, 'decision.png'), earlier, earlier); // the 17:00 report's NO-GO picture, beside the 18:00 page
      expect(reportItem(dir)).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/decision\.png \(\S+Z\) is older than .*decision\.html \(\S+Z\): it shows an earlier report$/),
        fix: `run: veza-beta decision report --out ${dir}`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fails for an earlier day's report copied today (files dated today, the gates run it names from before)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-item-'));
    try {
      // what `cp -r decision-<yesterday> decision-<today>` leaves: yesterday's report, its files written now
      const yesterday = new Date(Date.now() - 36 * 3600_000).toISOString();
      writeFileSync(join(dir, 'decision.html'), '<html><body>GO</body></html>\n');
      writeFileSync(join(dir, 'decision.png'), 'png');
      writeFileSync(join(dir, 'decision.md'), `# GO\n\nGates run ${yesterday} → ${yesterday}; report written ${yesterday}.\n`);
      expect(reportItem(dir)).toMatchObject({ status: 'pass' });
      expect(await decisionReportItem(dir, null)).toMatchObject({
        status: 'fail',
        detail: `${join(dir, 'decision.md')} shows the gates run of ${yesterday}, not today's: an earlier day's report (its folder copied, its files dated today)`,
        fix: `run: veza-beta decision report --out ${dir}`,
      });
      // today's run: the folder's checks stand (no database here)
      const now = new Date().toISOString();
      writeFileSync(join(dir, 'decision.md'), `# GO\n\nGates run ${now} → ${now}; report written ${now}.\n`);
      expect(await decisionReportItem(dir, null)).toMatchObject({ status: 'pass' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('decisionRecordedItem: judged on the day it is given', () => {
  it('takes the one reading of the clock the phase gives it: a decision of today is not one of the day after (the phase read the clock twice)', async () => {
    const conn = await openTestDatabase(testBackends().find((b) => b.name === 'pglite')!);
    try {
      await recordDecision(conn.db, { decision: 'GO', by: ['Tech lead'] });
      expect(await decisionRecordedItem(conn, null, new Date())).toMatchObject({ status: 'pass' });
      const tomorrow = new Date(Date.now() + 36 * 3600_000);
      expect(await decisionRecordedItem(conn, null, tomorrow)).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('no decision recorded on'),
      });
    } finally {
      await conn.close();
    }
  }, 60_000);
});
