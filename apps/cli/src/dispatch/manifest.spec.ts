import { afterAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifest } from './manifest.js';

describe('readManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a folder of .eml files without a manifest (a prepare killed or out of memory before its end) says to run that prepare again', () => {
    const out = join(dir, 'out');
    mkdirSync(out);
    for (const id of ['a', 'b', 'c']) writeFileSync(join(out, `${id}.eml`), 'To: x@example.org\r\n\r\n');
    expect(() => readManifest(out)).toThrow(
      `${join(out, 'manifest.json')}: not found, though ${out} holds 3 .eml file(s): a prepare that did not finish (killed, out of memory, a full disk). Run the same prepare again: veza-beta invites prepare FILE --out ${out}; it lists them`,
    );
  });

  it('names the folder in that command as one shell word: a space split it in two, a leading dash read as options', () => {
    const spaced = join(dir, 'sp ace');
    mkdirSync(spaced);
    writeFileSync(join(spaced, 'a.eml'), 'To: x@example.org\r\n\r\n');
    expect(() => readManifest(spaced)).toThrow(
      `Run the same prepare again: veza-beta invites prepare FILE --out '${spaced}'; it lists them`,
    );
  });

  it('another folder is asked about', () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    expect(() => readManifest(other)).toThrow(
      `${join(other, 'manifest.json')}: not found; is ${other} a folder written by 'veza-beta invites prepare'?`,
    );
  });
});
