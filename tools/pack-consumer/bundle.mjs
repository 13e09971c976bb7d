// Bundles a backend that uses the installed packages with esbuild (--bundle
// --platform=node, ESM and CommonJS), as a backend's build would, and runs it:
// with @veza/* inside the bundle it must load, work with the folders it is
// given, and say what to do when it uses the packages' own folders; with
// @veza/* left external (the README's advice) the defaults work.
// Usage: node bundle.mjs <path of esbuild's package>; run in the backend's folder.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const { build } = createRequire(import.meta.url)(resolve(process.argv[2]));
const app = process.cwd();
const migrations = join(app, 'node_modules/@veza/invites-db/dist/migrations');
const templates = join(app, 'node_modules/@veza/email-templates/templates');
// Third-party packages stay external (pglite, mjml… have files of their own), as in most backends' builds.
const ours = (veza) => ({
  name: 'externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) =>
      args.path.startsWith('node:') || (veza && args.path.startsWith('@veza/')) ? undefined : { external: true },
    );
  },
});

for (const format of ['esm', 'cjs']) {
  for (const veza of [true, false]) {
    const outfile = join(app, 'bundle', `server-${veza ? 'inside' : 'external'}.${format === 'esm' ? 'mjs' : 'cjs'}`);
    await build({
      entryPoints: [join(app, 'bundled-backend.mjs')],
      bundle: true,
      platform: 'node',
      format,
      outfile,
      logLevel: 'error',
      logOverride: { 'empty-import-meta': 'silent' },
      plugins: [ours(veza)],
    });
    const out = JSON.parse(execFileSync(process.execPath, [outfile, migrations, templates], { encoding: 'utf8' }));
    assert.deepEqual(out.given, { migrations: 'ok', template: 'ok' }, `${format}: ${JSON.stringify(out.given)}`);
    if (veza) {
      assert.equal(out.byDefault.migrations.code, 'INVITES_MIGRATIONS_MISSING');
      assert.match(out.byDefault.migrations.message, /esbuild --external:@veza\/invites-db/);
      assert.equal(out.byDefault.template.code, 'EMAIL_TEMPLATE_NOT_FOUND');
      assert.match(out.byDefault.template.message, /esbuild --external:@veza\/email-templates/);
    } else {
      assert.deepEqual(
        out.byDefault,
        { migrations: 'ok', template: 'ok' },
        `${format}, @veza/* external: ${JSON.stringify(out.byDefault)}`,
      );
    }
    console.log(`bundle ${format}, @veza/* ${veza ? 'inside' : 'external'}: ok`);
  }
}
