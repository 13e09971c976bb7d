import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { validateCohort } from '@veza/cohort-validator';
import { compileInviteTemplate } from '@veza/email-templates';
import { sampleEmailSettings } from '@veza/email-templates/testing';
import { claimInvitesForSend, sendStates } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { prepareInvites } from '../prepare/prepare-invites.js';
import { fakeTransport } from '@veza/invite-mailer/testing';
import { DISPATCH_LOG, dispatchFolder, readDispatchLog, settleFromLog } from './dispatch-folder.js';
import { readManifest } from './manifest.js';
import { createProgress } from './progress.js';
import type { ManifestInvite } from './manifest.js';

const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();

/** The pid of a process that ran on this machine and is gone (reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid!;
}

/** A run's 'started' line in the dispatch.log of `dir` (made now if need be), naming that very file as the run does. */
function started(dir: string, claimer: string): string {
  appendFileSync(join(dir, DISPATCH_LOG), '');
  const file = statSync(join(dir, DISPATCH_LOG), { bigint: true });
  return `2026-11-30T07:00:00.000Z\t-\t-\tstarted\tboot ${boot} log ${file.dev}:${file.ino}:${file.birthtimeNs}\t${claimer}\n`;
}
const sending = (invite: ManifestInvite, claimer: string) =>
  `2026-11-30T07:00:00.001Z\t${invite.inviteId}\t${invite.email}\tsending\tto the mailer\t${claimer}\n`;

describe.each(testBackends())(
  'settleFromLog: a claim is given back only when its claimer is surely gone and its log says so ($name)',
  (backend) => {
    let conn: Connection;
    let root: string;
    let invites: ManifestInvite[];
    const living: ChildProcess[] = [];
    beforeAll(async () => {
      conn = await openTestDatabase(backend);
      root = mkdtempSync(join(tmpdir(), 'veza-settle-'));
      const csv = ['email,cohort', ...Array.from({ length: 7 }, (_, i) => `settle${i}@example.org,creators`)].join('\n');
      writeFileSync(join(root, 'cohort.csv'), csv);
      const rows = (await validateCohort(csv, { collectRows: true })).value.rows ?? [];
      const compiled = await compileInviteTemplate({ settings: sampleEmailSettings() });
      await prepareInvites(conn, compiled, rows, {
        file: join(root, 'cohort.csv'),
        outDir: join(root, 'out'),
        ttlDays: 30,
        reissueUnsent: false,
        previewLimit: 0,
        screenshot: false,
      });
      invites = readManifest(join(root, 'out')).invites;
    });
    afterAll(async () => {
      for (const child of living) child.kill('SIGKILL');
      await conn.close();
      rmSync(root, { recursive: true, force: true });
    });

    const claimedBy = async (ids: string[]) => (await sendStates(conn.db, ids)).map((s) => [s.state, s.claimedBy]);

    it('a dispatcher whose lock is free but whose process still runs here (its connection to the database lost) keeps its claims: not given back', async () => {
      const dir = mkdtempSync(join(root, 'lock-lost-'));
      // a live process of this machine stands for the dispatcher: its lock's session was ended (a restarted
      // server, idle_session_timeout), it goes on claiming and sending; what it claimed ahead is not untried
      const live = spawn('sleep', ['60']);
      living.push(live);
      const alive = `${hostname()}:${live.pid}:a1a1a1`;
      const dead = `${hostname()}:${await deadPid()}:d1d1d1`;
      const [a, b, c] = invites;
      expect(await claimInvitesForSend(conn.db, [a!.inviteId, b!.inviteId], alive, 2)).toHaveLength(2);
      expect(await claimInvitesForSend(conn.db, [c!.inviteId], dead, 1)).toHaveLength(1);
      appendFileSync(join(dir, DISPATCH_LOG), started(dir, alive) + sending(a!, alive) + started(dir, dead));
      const settled = await settleFromLog(conn, [a!, b!, c!], readDispatchLog(dir));
      // before: b (claimed ahead by the live dispatcher) was given back, and sent by both
      expect(settled.givenBack).toEqual([{ inviteId: c!.inviteId, email: c!.email, claimedBy: dead }]);
      expect(await claimedBy([a!.inviteId, b!.inviteId])).toEqual([
        ['claimed', alive],
        ['claimed', alive],
      ]);
    });

    it("a reading taken before the claimer died misses its last 'sending' lines (invites send reads the log once): read again before anything is given back", async () => {
      const dir = mkdtempSync(join(root, 'stale-'));
      const dead = `${hostname()}:${await deadPid()}:d2d2d2`;
      const [, , , d, e, f] = invites;
      expect(await claimInvitesForSend(conn.db, [d!.inviteId, e!.inviteId, f!.inviteId], dead, 3)).toHaveLength(3);
      appendFileSync(join(dir, DISPATCH_LOG), started(dir, dead));
      const early = readDispatchLog(dir);
      // then the run handed d to the mailer, and died
      appendFileSync(join(dir, DISPATCH_LOG), sending(d!, dead));
      const settled = await settleFromLog(conn, [d!, e!], early);
      // before: d was given back (and sent a second time)
      expect(settled.givenBack.map((g) => g.email)).toEqual([e!.email]);
      expect(await claimedBy([d!.inviteId])).toEqual([['claimed', dead]]);
      // a log gone since (moved away, replaced): nothing is given back on the strength of the old reading
      const before = readDispatchLog(dir);
      rmSync(join(dir, DISPATCH_LOG));
      expect((await settleFromLog(conn, [f!], before)).givenBack).toEqual([]);
      expect(await claimedBy([f!.inviteId])).toEqual([['claimed', dead]]);
    });

    it("an address with a tab in a manifest edited by hand: its 'sending' line still reads as one (else given back after a crash)", async () => {
      const out = join(root, 'out');
      const manifest = readManifest(out);
      const invite = invites[6]!;
      const edited = { ...invite, email: `${invite.email}\t` };
      const summary = await dispatchFolder(
        conn,
        out,
        { mailFrom: manifest.mailFrom, invites: [edited] },
        fakeTransport(),
        { rate: 1e6, concurrency: 1, retries: 0, retryDelayMs: 0, resendUnknown: false, failFastAfter: 5 },
        createProgress(0, { tty: false, quiet: true }),
      );
      expect(summary.sent).toBe(1);
      const reading = readDispatchLog(out);
      // before: the tab moved the fields, 'sending' was no line's type, and the email counted as never tried
      expect([...reading.handedOver].filter((k) => k.endsWith(`\t${invite.inviteId}`))).toHaveLength(1);
      expect(reading.sends.get(invite.inviteId)?.email).toBe(`${invite.email} `);
    });
  },
);
