import { expect } from '@jest/globals';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleAndRunBackend } from '@veza/test-support';

/**
 * A backend bundled with esbuild (--bundle --platform=node) with this package
 * inside: the bundle must load, a compile with `templateDir` must work, and the
 * package's own templates are only looked for when a compile uses them (a
 * CommonJS bundle has no import.meta.url). Third-party packages (mjml, zod…)
 * stay external, resolved from the workspace at run time.
 */
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const work = join(packageDir, 'tmp', `bundle-${process.pid}`);

const backend = `
import { compileInviteTemplate } from ${JSON.stringify(join(packageDir, 'src/index.ts'))};
import { sampleEmailSettings, sampleRecipient } from ${JSON.stringify(join(packageDir, 'src/testing.ts'))};
const settings = sampleEmailSettings();
const compiled = await compileInviteTemplate({ settings, templateDir: process.argv[2] });
const out = { given: compiled.render(sampleRecipient()).text.includes(sampleRecipient().cohort) };
try {
  await compileInviteTemplate({ settings });
  out.byDefault = 'compiled';
} catch (error) {
  out.byDefault = { code: error.code, message: error.message };
}
console.log(JSON.stringify(out));
`;

beforeAll(() => {
  mkdirSync(work, { recursive: true });
  // A CommonJS bundle cannot hold a top-level await: the same backend in an async function.
  writeFileSync(join(work, 'backend.mjs'), backend);
  writeFileSync(
    join(work, 'backend-cjs.mjs'),
    backend
      .replace(/^const settings/m, 'void (async () => {\nconst settings')
      .replace(/console\.log\(JSON\.stringify\(out\)\);\n$/, '$&})();\n'),
  );
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function bundleAndRun(format: 'cjs' | 'esm'): Promise<{ given: boolean; byDefault: unknown }> {
  const outfile = join(work, format === 'cjs' ? 'server.cjs' : 'server.mjs');
  const entry = join(work, format === 'cjs' ? 'backend-cjs.mjs' : 'backend.mjs');
  const out = await bundleAndRunBackend(entry, outfile, format, [join(packageDir, 'templates')]);
  return JSON.parse(out) as { given: boolean; byDefault: unknown };
}

it.each(['cjs', 'esm'] as const)(
  'a %s bundle loads, compiles from a `templateDir` given, and says what to do when the default is used',
  async (format) => {
    const out = await bundleAndRun(format);
    expect(out.given).toBe(true);
    expect(out.byDefault).toEqual({
      code: 'EMAIL_TEMPLATE_NOT_FOUND',
      message: expect.stringMatching(/esbuild --external:@veza\/email-templates.*`templateDir`/),
    });
  },
  60_000,
);
