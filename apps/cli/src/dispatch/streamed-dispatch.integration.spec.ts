import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validateCohort } from '@veza/cohort-validator';
import { compileInviteTemplate } from '@veza/email-templates';
import { sampleEmailSettings } from '@veza/email-templates/testing';
import { fakeTransport } from '@veza/invite-mailer/testing';
import type { Connection } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { prepareInvites } from '../prepare/prepare-invites.js';
import { DISPATCH_LOG } from './dispatch-folder.js';
import { readManifest } from './manifest.js';
import { createProgress } from './progress.js';
import { StreamedDispatch } from './streamed-dispatch.js';

const SEND = { rate: 1e6, concurrency: 2, retries: 0, retryDelayMs: 0, resendUnknown: false, failFastAfter: 5 };

describe.each(testBackends())('StreamedDispatch on $name', (backend) => {
  let conn: Connection;
  let dir: string;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
    const root = mkdtempSync(join(tmpdir(), 'veza-streamed-'));
    dir = join(root, 'out');
    const csv = ['email,cohort', ...Array.from({ length: 9 }, (_, i) => `person${i}@example.org,creators`)].join('\n');
    writeFileSync(join(root, 'cohort.csv'), csv);
    const rows = (await validateCohort(csv, { collectRows: true })).value.rows ?? [];
    const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
    await prepareInvites(conn, compiled, rows, {
      file: join(root, 'cohort.csv'),
      outDir: dir,
      ttlDays: 30,
      reissueUnsent: false,
      previewLimit: 0,
      screenshot: false,
    });
  });
  afterAll(async () => {
    await conn.close();
    rmSync(join(dir, '..'), { recursive: true, force: true });
  });

  it('sends the chunks committed while no dispatch could start as one dispatch (one dispatcher), each email once', async () => {
    const manifest = readManifest(dir);
    const transport = fakeTransport();
    const stream = new StreamedDispatch(conn, transport, SEND, createProgress(0, { tty: false, quiet: true }));
    // three chunks committed before the first dispatch could start: one dispatch, not three
    for (let start = 0; start < 9; start += 3)
      stream.add({ dir, mailFrom: manifest.mailFrom, invites: manifest.invites.slice(start, start + 3) });
    const summary = await stream.finish();

    expect(summary).toMatchObject({ total: 9, sent: 9, failed: [], unknown: [] });
    expect([...transport.sent].sort()).toEqual(manifest.invites.map((i) => i.email).sort());
    const sentLines = readFileSync(join(dir, DISPATCH_LOG), 'utf8')
      .split('\n')
      .filter((line) => line.split('\t')[3] === 'sent');
    expect(sentLines).toHaveLength(9);
    // the last field of a sent line names the dispatcher whose claim it ended
    expect(new Set(sentLines.map((line) => line.split('\t').at(-1))).size).toBe(1);
  });
});
