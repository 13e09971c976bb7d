/**
 * Migrations run in the order of their file name's leading number: the
 * numbers so far run 990–999, and a next one numbered 1000 must come last,
 * not first (text order put `1000_` before `990_`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import { readMigrationFiles } from './migrate.js';

describe('readMigrationFiles order', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('orders by the leading number as a number, then by name', () => {
    dir = mkdtempSync(join(tmpdir(), 'veza-migration-order-'));
    for (const name of ['1000_next.sql', '990_beta_invites.sql', '999_b.sql', '999_a.sql', '1001_after.sql', 'notes.txt'])
      writeFileSync(join(dir, name), `-- ${name}\n`);
    expect(readMigrationFiles(dir).map((file) => file.name)).toEqual([
      '990_beta_invites.sql',
      '999_a.sql',
      '999_b.sql',
      '1000_next.sql',
      '1001_after.sql',
    ]);
  });

  it('keeps the shipped migrations in their order', () => {
    const names = readMigrationFiles().map((file) => file.name);
    expect(names[0]).toBe('990_beta_invites.sql');
    const numbers = names.map((name) => Number(/^\d+/.exec(name)?.[0]));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    // the first file numbered past 999: last, where text order would have put it first
    expect(names.indexOf('1000_invites_fillfactor.sql')).toBeGreaterThan(names.indexOf('999_digest_check.sql'));
  });
});
