import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const libs = readdirSync(join(root, 'libs'));

/** What a test leaves beside the sources: specs, jest snapshots, test folders, env files. */
const TEST_FILE = /(^|\/)(__tests__|__snapshots__|__mocks__|__fixtures__)\/|\.(spec|test)\.[cm]?[jt]sx?$|\.snap$|(^|\/)\.env/;

interface PackEntry {
  files: { path: string }[];
}

it.each(libs)('the tarball of @veza/%s carries no test, snapshot or .env file', (lib) => {
  // the list npm pack would put in the tarball (the package's `files`), without building or writing it
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', '--loglevel=error'], {
    cwd: join(root, 'libs', lib),
    encoding: 'utf8',
    timeout: 60_000,
  });
  const [entry] = JSON.parse(out) as PackEntry[];
  expect(entry?.files.length).toBeGreaterThan(0);
  expect(entry?.files.map((f) => f.path).filter((path) => TEST_FILE.test(path))).toEqual([]);
});
