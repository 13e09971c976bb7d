import { describe, expect, it } from '@jest/globals';
import { KNOWN_SETTINGS, misspelledSettings } from './misspelled-settings.js';

describe('misspelledSettings', () => {
  it('names a setting one or two keystrokes off, or in another case, when the real one is unset', () => {
    const env = { DATABSE_URL: 'postgres://u:p@db/x', database_url: 'postgres://db/y', SNED: '1', FROTNEND_URL: 'https://x.fr' };
    expect(misspelledSettings(env)).toEqual([
      { given: 'DATABSE_URL', meant: 'DATABASE_URL' },
      { given: 'database_url', meant: 'DATABASE_URL' },
      { given: 'SNED', meant: 'SEND' },
      { given: 'FROTNEND_URL', meant: 'FRONTEND_URL' },
    ]);
    // two edits away: named when a .env line says it (meant for veza-beta), not from the environment (everyone's variables)
    expect(misspelledSettings({ DATABSE_URI: 'postgres://db/x' }, { fromFile: ['DATABSE_URI'] })).toEqual([
      { given: 'DATABSE_URI', meant: 'DATABASE_URL' },
    ]);
    expect(misspelledSettings({ DATABSE_URI: 'postgres://db/x' })).toEqual([]);
  });

  it('says nothing when the real setting is set too, or for the usual variables of a machine', () => {
    expect(misspelledSettings({ DATABASE_URL: 'postgres://db/x', DATABSE_URL: 'postgres://db/y' })).toEqual([]);
    const machine = { HOME: '/root', HOSTNAME: 'ops-1', PATH: '/bin', PWD: '/', USER: 'ops', TERM: 'xterm', MAIL: '/var/mail/ops' };
    const more = { LANG: 'C', SHELL: '/bin/sh', PGPORT: '5432', HTTP_PROXY: 'http://p', PROXY_URL: 'http://p', TEST_DATABASE_URL: 'x' };
    const actions = { GITHUB_REF: 'refs/heads/main', GITHUB_JOB: 'gates', GITHUB_ENV: '/x', GITHUB_PATH: '/x', GITHUB_WORKFLOW: 'gates' };
    expect(misspelledSettings({ ...machine, ...more, ...actions })).toEqual([]);
  });

  it('lists only settings docs/CONFIGURATION.md documents', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../../docs/CONFIGURATION.md', import.meta.url), 'utf8');
    expect(KNOWN_SETTINGS.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });
});
