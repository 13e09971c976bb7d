import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { loadEnv, settingSources } from './load-env.js';

const dir = mkdtempSync(join(tmpdir(), 'veza-load-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadEnv', () => {
  it('fills in from .env what the environment does not set, says which keys came from the file, and leaves process.env alone', () => {
    writeFileSync(join(dir, '.env'), '# comment\nPORT=9000\nDATABASE_URL="postgres://u:p@db/x"\nLOG_LEVEL=debug\n');
    const result = loadEnv({ cwd: dir, env: { LOG_LEVEL: 'warn', PATH: '/bin' } });
    expect(result.env).toEqual({ LOG_LEVEL: 'warn', PATH: '/bin', PORT: '9000', DATABASE_URL: 'postgres://u:p@db/x' });
    expect(result.file).toBe(join(dir, '.env'));
    expect([...result.fromFile].sort()).toEqual(['DATABASE_URL', 'PORT']);
    expect(Object.isFrozen(result.env)).toBe(true);
    expect(process.env['DATABASE_URL']).not.toBe('postgres://u:p@db/x');
  });

  it('without a .env file: the environment as is, and no file', () => {
    const empty = mkdtempSync(join(dir, 'none-'));
    expect(loadEnv({ cwd: empty, env: { A: '1' } })).toEqual({ env: { A: '1' }, file: undefined, fromFile: [] });
  });

  it('names where each set variable came from, never its value', () => {
    writeFileSync(join(dir, '.env'), 'PORT=9000\nADMIN_TOKEN=from-the-file\n');
    const loaded = loadEnv({ cwd: dir, env: { ADMIN_TOKEN: 'from-the-environment', HOST: ' ' } });
    expect(settingSources(loaded, ['PORT', 'ADMIN_TOKEN', 'HOST', 'LOG_LEVEL'])).toEqual({
      PORT: join(dir, '.env'),
      ADMIN_TOKEN: 'environment',
    });
  });

  it('a .env that cannot be read is SETTINGS_ENV_FILE_UNREADABLE naming the file', () => {
    const broken = mkdtempSync(join(dir, 'dir-'));
    mkdirSync(join(broken, '.env'));
    expect(() => loadEnv({ cwd: broken, env: {} })).toThrow(
      expect.objectContaining({ code: 'SETTINGS_ENV_FILE_UNREADABLE', message: `cannot read ${join(broken, '.env')} (EISDIR)` }),
    );
  });
});
