import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataDirAdvice, dataDirLinkGone, dataDirMissing } from './data-dir.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'veza-data-dir-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('dataDirMissing', () => {
  it('is true only where nothing is: absent, or under a file', () => {
    writeFileSync(join(dir, 'file'), '');
    expect(dataDirMissing(join(dir, 'absent', 'db'))).toBe(true);
    expect(dataDirMissing(join(dir, 'file', 'db'))).toBe(true);
    expect(dataDirMissing(dir)).toBe(false);
  });
});

describe('dataDirLinkGone', () => {
  it('names the target of a link to a folder that is not there; null for a folder, a live link, nothing at all', () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'live'));
    symlinkSync('unmounted/veza-db', join(dir, 'gone'));
    expect(dataDirLinkGone(join(dir, 'gone'))).toBe(
      `it is a link to ${join(dir, 'unmounted', 'veza-db')}, which is not there (its disk not mounted, or the folder moved): mount it or fix the link; no database was made`,
    );
    // a link to a link to a folder not there: the folder that is missing
    symlinkSync(join(dir, 'gone'), join(dir, 'hop'));
    expect(dataDirLinkGone(join(dir, 'hop'))).toContain(`it is a link to ${join(dir, 'unmounted', 'veza-db')}, which is not there`);
    // the folder above db/ is the link (VEZA_DATA_DIR on a disk not mounted): db/ was "not created yet"
    expect(dataDirLinkGone(join(dir, 'gone', 'db'))).toBe(
      `${join(dir, 'gone')} is a link to ${join(dir, 'unmounted', 'veza-db')}, which is not there (its disk not mounted, or the folder moved): mount it or fix the link; no database was made`,
    );
    expect(dataDirLinkGone(join(dir, 'live', 'db'))).toBeNull();
    expect(dataDirLinkGone(join(dir, 'real'))).toBeNull();
    expect(dataDirLinkGone(join(dir, 'live'))).toBeNull();
    expect(dataDirLinkGone(join(dir, 'absent'))).toBeNull();
  });
});

describe('dataDirAdvice', () => {
  const errno = (code: string) => Object.assign(new Error(`${code}: …`), { code });

  it('a read-only file system: copy the folder elsewhere (PGlite writes even to read)', () => {
    expect(dataDirAdvice(errno('EROFS'), dir)).toBe(
      'the folder is on a read-only file system, and the embedded database writes even to read: copy the folder to a writable place and set VEZA_DATA_DIR to the folder holding its db/, or mount it read-write',
    );
  });

  it('a permission refused: who runs, who owns, what to do', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const advice = dataDirAdvice(errno(code), join(dir, 'not-there', 'db'))!;
      expect(advice).toMatch(/^this command runs as \S+/);
      expect(advice).toMatch(/or set VEZA_DATA_DIR to a folder of yours$/);
    }
  });

  it('says nothing about other errors', () => {
    expect(dataDirAdvice(errno('ENOSPC'), dir)).toBeNull();
    expect(dataDirAdvice(new Error('no code'), dir)).toBeNull();
  });
});
