import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadEnv } from '@veza/settings';
import { openOptionsFromEnv } from './connect.js';
import { dataDirIsDatabaseProblem, dataDirSetting, databaseSettingsFromEnv, readEnv } from './read-env.js';

/** `text` as a regular expression that matches it literally. */
const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('database settings', () => {
  it('readEnv is the one settings reader of @veza/settings', () => {
    expect(readEnv).toBe(loadEnv);
  });

  it('DATABASE_URL, else VEZA_DATA_DIR/db; a blank VEZA_DATA_DIR is unset', () => {
    expect(databaseSettingsFromEnv({ DATABASE_URL: ' postgres://u:p@db/veza ', VEZA_DATA_DIR: ' ' })).toEqual({
      ok: true,
      value: { databaseUrl: 'postgres://u:p@db/veza', dataDir: undefined },
      warnings: [],
    });
    expect(openOptionsFromEnv({ VEZA_DATA_DIR: 'state' })).toEqual({ databaseUrl: undefined, dataDir: resolve('state', 'db') });
  });

  it('a DATABASE_URL that is not postgres is a problem naming the variable, without its password; openOptionsFromEnv throws SETTINGS_INVALID', () => {
    // several hosts are postgres.js's own form: accepted
    for (const url of ['postgres://u:p@db1:5432,db2:5432/veza', 'postgresql://u:p@db1,db2/veza?sslmode=require'])
      expect(databaseSettingsFromEnv({ DATABASE_URL: url })).toMatchObject({ ok: true, value: { databaseUrl: url } });
    for (const url of ['mysql://root:hunter2@db/x', 'postgres://u:hunter2@[bad/db']) {
      expect(databaseSettingsFromEnv({ DATABASE_URL: url })).toEqual({
        ok: false,
        problems: [{ field: 'DATABASE_URL', message: 'must be a postgres:// or postgresql:// URL' }],
        warnings: [],
      });
    }
    expect(() => openOptionsFromEnv({ DATABASE_URL: 'mysql://root:hunter2@db/x' })).toThrow(
      expect.objectContaining({ code: 'SETTINGS_INVALID', message: expect.not.stringContaining('hunter2') }),
    );
  });

  it('a blank DATABASE_URL is a problem, not the embedded database (`DATABASE_URL=$STAGING_DATABASE_URL` with that variable unset)', () => {
    for (const blank of ['', ' \t']) {
      expect(databaseSettingsFromEnv({ DATABASE_URL: blank, VEZA_DATA_DIR: 'state' })).toEqual({
        ok: false,
        problems: [
          {
            field: 'DATABASE_URL',
            message: expect.stringMatching(/^is set but empty .*unset DATABASE_URL .* to use the embedded database$/),
          },
        ],
        warnings: [],
      });
      expect(() => openOptionsFromEnv({ DATABASE_URL: blank })).toThrow(expect.objectContaining({ code: 'SETTINGS_INVALID' }));
    }
    // unset is still the embedded database
    expect(openOptionsFromEnv({})).toEqual({ databaseUrl: undefined, dataDir: undefined });
  });

  it('a blank VEZA_DATA_DIR without a DATABASE_URL is a problem, not .veza/ in the working directory (`VEZA_DATA_DIR=$DATA` with that variable unset)', () => {
    expect(databaseSettingsFromEnv({ VEZA_DATA_DIR: '' })).toEqual({
      ok: false,
      problems: [
        {
          field: 'VEZA_DATA_DIR',
          message: expect.stringMatching(
            /^is set but empty .*unset VEZA_DATA_DIR .* for the default \(the CLI and the API: \.veza\/ in the working directory; the monitor: no database\)$/,
          ),
        },
      ],
      warnings: [],
    });
    // both blank: both named
    expect(databaseSettingsFromEnv({ DATABASE_URL: '', VEZA_DATA_DIR: ' ' })).toMatchObject({
      ok: false,
      problems: [{ field: 'DATABASE_URL' }, { field: 'VEZA_DATA_DIR' }],
    });
  });

  it('a VEZA_DATA_DIR naming the database folder itself is a problem naming the folder to give (the monitor and the CLI read it here); one above an inner database is let be', () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-data-dir-'));
    try {
      const db = join(dir, '.veza', 'db');
      mkdirSync(db, { recursive: true });
      writeFileSync(join(db, 'PG_VERSION'), '18\n');
      expect(databaseSettingsFromEnv({ VEZA_DATA_DIR: db })).toEqual({
        ok: false,
        problems: [
          {
            field: 'VEZA_DATA_DIR',
            message: `is the database folder itself (${db} holds PG_VERSION), and the database would be looked for in ${join(db, 'db')}: VEZA_DATA_DIR names the folder that holds db/, set VEZA_DATA_DIR=${join(dir, '.veza')}`,
          },
        ],
        warnings: [],
      });
      expect(databaseSettingsFromEnv({ VEZA_DATA_DIR: join(dir, '.veza') }).ok).toBe(true);
      // with a DATABASE_URL the folder is not used
      expect(databaseSettingsFromEnv({ VEZA_DATA_DIR: db, DATABASE_URL: 'postgres://u:p@db/veza' }).ok).toBe(true);
      // a database already made inside it (by the mistake, before this check) is the one its runs used: let be
      mkdirSync(join(db, 'db'));
      writeFileSync(join(db, 'db', 'PG_VERSION'), '18\n');
      expect(databaseSettingsFromEnv({ VEZA_DATA_DIR: db }).ok).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names a folder to give that holds the database as its db/: a link to the database folder, or a copy named otherwise, got the link's or the copy's parent, where db/ is not (following it made a second, empty database)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'veza-data-dir-'));
    try {
      const db = join(dir, 'launch', '.veza', 'db');
      mkdirSync(db, { recursive: true });
      writeFileSync(join(db, 'PG_VERSION'), '18\n');
      const link = join(dir, 'veza-db');
      symlinkSync(db, link);
      const viaLink = dataDirIsDatabaseProblem({ VEZA_DATA_DIR: link });
      expect(viaLink?.message).toMatch(
        new RegExp(`${escaped(`set VEZA_DATA_DIR=${join(dir, 'launch', '.veza')} (${link} is a link to ${db})`)}$`),
      );
      // a copy of the folder under another name (a backup restored as /backup/veza-db-…): no folder above holds it as db/
      const copy = join(dir, 'veza-db-2026-11-30');
      mkdirSync(copy);
      writeFileSync(join(copy, 'PG_VERSION'), '18\n');
      const named = dataDirIsDatabaseProblem({ VEZA_DATA_DIR: copy });
      expect(named?.message).toMatch(
        new RegExp(
          `${escaped(`: VEZA_DATA_DIR names the folder that holds db/, and ${copy} is not named db: move it to a folder's db/ (or link it there) and set VEZA_DATA_DIR to that folder`)}$`,
        ),
      );
      expect(named?.message).not.toContain(`set VEZA_DATA_DIR=${dir}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the VEZA_DATA_DIR advice is a shell assignment sh reads back as the folder, a space, a quote or a $ in it too', () => {
    // it printed `set VEZA_DATA_DIR=/Users/Ana Lopez/launch`: pasted before a command, the shell ran `Lopez/launch`
    for (const folder of ['/srv/launch', '/Users/Ana Lopez/launch', "/srv/l'équipe", '/srv/$HOME/x', '/srv/a"b`c`\\d'])
      expect(execFileSync('sh', ['-c', `${dataDirSetting(folder)}; printf %s "$VEZA_DATA_DIR"`], { encoding: 'utf8' })).toBe(folder);
    expect(dataDirSetting('/srv/launch')).toBe('VEZA_DATA_DIR=/srv/launch'); // a plain folder as it is
    const dir = mkdtempSync(join(tmpdir(), 'veza data dir '));
    try {
      const db = join(dir, '.veza', 'db');
      mkdirSync(db, { recursive: true });
      writeFileSync(join(db, 'PG_VERSION'), '18\n');
      const advice = /set (VEZA_DATA_DIR=.*)$/.exec(dataDirIsDatabaseProblem({ VEZA_DATA_DIR: db })?.message ?? '')?.[1] ?? '';
      expect(execFileSync('sh', ['-c', `${advice}; printf %s "$VEZA_DATA_DIR"`], { encoding: 'utf8' })).toBe(join(dir, '.veza'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
