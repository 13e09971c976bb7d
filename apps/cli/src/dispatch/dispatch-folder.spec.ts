import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DISPATCH_LOG, emailedFromLog, isoTime, readDispatchLog, readInviteEml } from './dispatch-folder.js';

describe("dispatch.log's time", () => {
  it('is toISOString of the moment, in whatever order the moments come (its second is formatted once and kept)', () => {
    // around a second's edges, before 1970, and the far years toISOString writes with a sign
    const edges = [999, 1000, 1001, 0, -1, -1000, -1001, 1_764_489_599_999, 1_764_489_600_000, 1_764_489_600_007, 1_764_489_599_999];
    const far = [253_402_300_800_000, -62_198_755_200_001, 8.64e15, -8.64e15];
    for (const ms of [...edges, ...far]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    // a run of moments a few ms apart (a dispatch's lines), with the clock stepped back now and then
    const step = fc.oneof(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: -3000, max: 0 }));
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15 + 1e9, max: 8.64e15 - 1e9 }), fc.array(step, { maxLength: 40 }), (start, steps) => {
        let ms = start;
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
        for (const d of steps) {
          ms += d;
          expect(isoTime(ms)).toBe(new Date(ms).toISOString());
        }
      }),
    );
  });
});

describe('readDispatchLog', () => {
  it('emailedFromLog: a sent line, a sending line with no outcome or an unknown one; not an email the mailer refused, unless its claim tried it again', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-log-'));
    try {
      const id = (n: number) => `a0b1c2d3-0000-4000-8000-00000000000${n}`;
      const line = (n: number, type: string, claimer = 'vm:1:aa') =>
        `2026-11-30T07:00:0${n}.000Z\t${id(n)}\tp${n}@example.org\t${type}\tx\t${claimer}\n`;
      writeFileSync(
        join(dir, DISPATCH_LOG),
        [
          line(1, 'sending') + line(1, 'sent'),
          line(2, 'sending'), // no outcome: a crash while the mailer had it
          line(3, 'sending') + line(3, 'unknown'),
          line(4, 'sending') + line(4, 'failed'), // refused (550): never received
          line(5, 'sending') + line(5, 'failed') + line(5, 'sending'), // tried again by the same claim, no outcome
          line(6, 'sending') + line(6, 'failed') + line(6, 'sending', 'vm:2:bb'), // another run took it, no outcome
          line(7, 'sending', 'vm:2:bb') + line(7, 'failed', 'vm:1:aa'), // a failure of another claim proves nothing of this one
        ].join(''),
      );
      expect([...emailedFromLog(readDispatchLog(dir))].sort()).toEqual([1, 2, 3, 5, 6, 7].map(id));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads the line written on after one cut short (a full disk's short write, then another run's line once space was freed)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-log-'));
    try {
      const [x, y] = ['a0b1c2d3-0000-4000-8000-000000000001', 'a0b1c2d3-0000-4000-8000-000000000002'];
      writeFileSync(
        join(dir, DISPATCH_LOG),
        // run X's 'sending' line cut in its detail (X stops there), then run Y's lines, written on after it
        `2026-11-30T07:00:00.000Z\t${x}\tx@example.org\tsending\tto the ma` +
          `2026-11-30T07:00:00.001Z\t${y}\ty@example.org\tsending\tto the mailer\tvm:2:bbbbbb\n` +
          `2026-11-30T07:00:00.002Z\t${x}\tx@example.org\tsending\tto the mailer\tvm:1:aa` +
          `2026-11-30T07:00:00.003Z\t${y}\ty@example.org\tsent\texit 0\tvm:2:bbbbbb\n`,
      );
      const reading = readDispatchLog(dir);
      // before: Y's 'sending' line was read as part of X's, and Y's email, had Y died, given back and sent twice
      expect(reading.handedOver.has(`vm:2:bbbbbb\t${y}`)).toBe(true);
      expect(reading.sends.get(y)).toEqual({ email: 'y@example.org', loggedAt: '2026-11-30T07:00:00.003Z', claimedBy: 'vm:2:bbbbbb' });
      // a cut line proves nothing of its own claimer's (that run sent nothing more)
      expect([...reading.handedOver].filter((k) => k.endsWith(x))).toEqual([`vm:1:aa\t${x}`]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("on a file system shared over a network (NFS, SMB, sshfs), a run's 'started' line proves nothing: two machines' appends can overwrite each other's lines", () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-log-'));
    try {
      const path = join(dir, DISPATCH_LOG);
      writeFileSync(path, '');
      const file = statSync(path, { bigint: true });
      const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
      writeFileSync(
        path,
        `2026-11-30T07:00:00.000Z\t-\t-\tstarted\tboot ${boot} log ${file.dev}:${file.ino}:${file.birthtimeNs}\tvm:1:aaaaaa\n`,
      );
      // this machine's own disk: the run counts (its claims with no 'sending' line are given back)
      expect([...readDispatchLog(dir).runs]).toEqual([['vm:1:aaaaaa', boot]]);
      // NFS (0x6969), CIFS, FUSE: before, it counted there too, and a 'sending' line overwritten by another
      // machine's line made an email that went out look never tried
      for (const nfsLike of [0x6969, 0xff534d42, 0x65735546]) expect(readDispatchLog(dir, undefined, nfsLike).runs.size).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('an .eml deleted after the review', () => {
  it('says the revoke to run with the address as one shell word, outside quotes: pasted, `&` or a backquote of an address ran a command', () => {
    const missing = join(tmpdir(), 'veza-no-such-folder', 'x.eml');
    expect(() => readInviteEml(missing, 'a&touch@example.org')).toThrow(
      `${missing}: no such file (deleted after the review?); not sent. To leave a&touch@example.org out, run: veza-beta invites revoke 'a&touch@example.org'; to send it after all, give it a new .eml: veza-beta invites prepare COHORT.csv --reissue-unsent`,
    );
  });
});
