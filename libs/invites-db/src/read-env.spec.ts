import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { readEnv } from './read-env.js';

const dir = mkdtempSync(join(tmpdir(), 'veza-read-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readEnv', () => {
  it('fills in from .env what the environment does not set, says which keys came from the file, and leaves process.env alone', () => {
    writeFileSync(join(dir, '.env'), '# comment\nPORT=9000\nDATABASE_URL="postgres://u:p@db/x"\nLOG_LEVEL=debug\n');
    const result = readEnv({ cwd: dir, env: { LOG_LEVEL: 'warn', PATH: '/bin' } });
    expect(result.env).toEqual({ LOG_LEVEL: 'warn', PATH: '/bin', PORT: '9000', DATABASE_URL: 'postgres://u:p@db/x' });
    expect(result.file).toBe(join(dir, '.env'));
    expect([...result.fromFile].sort()).toEqual(['DATABASE_URL', 'PORT']);
    expect(Object.isFrozen(result.env)).toBe(true);
    expect(process.env['DATABASE_URL']).not.toBe('postgres://u:p@db/x');
  });

  it('without a .env file: the environment as is, and no file', () => {
    const empty = mkdtempSync(join(dir, 'none-'));
    expect(readEnv({ cwd: empty, env: { A: '1' } })).toEqual({ env: { A: '1' }, file: undefined, fromFile: [] });
  });
});
