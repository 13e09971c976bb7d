import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { DISPATCH_LOG, isoTime, readDispatchLog } from './dispatch-folder.js';

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
