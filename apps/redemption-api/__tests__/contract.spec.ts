import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { ERROR_STATUS } from '../src/errors.js';
import { openApiDocument } from '../src/openapi.js';

const docsCopy = fileURLToPath(new URL('../../../docs/api/openapi.json', import.meta.url));
const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const served = JSON.stringify(openApiDocument(), null, 2) + '\n';
const codes = Object.keys(ERROR_STATUS);

describe('the API contract', () => {
  it('docs/api/openapi.json is the document the app serves (UPDATE_OPENAPI=1 rewrites it)', () => {
    if (process.env['UPDATE_OPENAPI'] === '1') writeFileSync(docsCopy, served);
    expect(readFileSync(docsCopy, 'utf8')).toBe(served);
  });

  it('lists every error code of the status map, with its status', () => {
    const doc = JSON.parse(readFileSync(docsCopy, 'utf8')) as {
      components: { schemas: { ErrorCode: { enum: string[]; 'x-http-status': Record<string, number> } } };
    };
    expect(doc.components.schemas.ErrorCode.enum).toEqual(codes);
    expect(doc.components.schemas.ErrorCode['x-http-status']).toEqual(ERROR_STATUS);
    for (const code of codes.filter((c) => c !== 'METHOD_NOT_ALLOWED' && c !== 'NOT_FOUND'))
      expect(readFileSync(docsCopy, 'utf8')).toContain(`\`${code}\`: `);
  });

  it('the README error table has one row per code, with its status, and no stale row', () => {
    // the "## Errors" section only: the environment table has backticked names too
    const text = readFileSync(readme, 'utf8').split('\n## Errors')[1]?.split('\n## ')[0] ?? '';
    const rows = [...text.matchAll(/^\|\s*`([A-Z][A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]);
    expect(rows.sort()).toEqual([...codes].sort());
    for (const [code, status] of Object.entries(ERROR_STATUS)) expect(text).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'));
  });
});
