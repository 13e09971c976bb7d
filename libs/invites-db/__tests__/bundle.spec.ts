import { expect } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAndRunBackend } from '@veza/test-support';

/**
 * A backend bundled with esbuild (--bundle --platform=node) with this package
 * inside: the bundle must load, and the migrations' default folder is only
 * looked for when a call uses it (a CommonJS bundle has no import.meta.url).
 * Third-party packages stay external (resolved from the workspace at run time).
 */
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const work = join(packageDir, 'tmp', `bundle-${process.pid}`);
/** The repository's migrations/, which the build copies into dist/migrations/. */
const migrations = join(packageDir, '..', '..', 'migrations');

const backend = `
import { readMigrationFiles } from ${JSON.stringify(join(packageDir, 'src/index.ts'))};
const out = { given: readMigrationFiles(process.argv[2]).map((file) => file.name) };
try {
  readMigrationFiles();
  out.byDefault = 'read';
} catch (error) {
  out.byDefault = { code: error.code, message: error.message };
}
console.log(JSON.stringify(out));
`;

beforeAll(() => {
  mkdirSync(work, { recursive: true });
  writeFileSync(join(work, 'backend.mjs'), backend);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bundleAndRun(format: 'cjs' | 'esm'): Promise<{ given: string[]; byDefault: unknown }> {
  const outfile = join(work, format === 'cjs' ? 'server.cjs' : 'server.mjs');
  return JSON.parse(await bundleAndRunBackend(join(work, 'backend.mjs'), outfile, format, [migrations])) as {
    given: string[];
    byDefault: unknown;
  };
}

it.each(['cjs', 'esm'] as const)(
  'a %s bundle loads, reads the migrations from a `dir` given, and says what to do when the default is used',
  async (format) => {
    const out = await bundleAndRun(format);
    expect(out.given.length).toBeGreaterThan(0);
    expect(out.byDefault).toEqual({
      code: 'INVITES_MIGRATIONS_MISSING',
      message: expect.stringMatching(/pass `dir`.*esbuild --external:@veza\/invites-db/),
    });
  },
  60_000,
);
