// Checks unpacked tarballs (one folder per package, as `npm pack` lays them
// out): every export target is shipped, every source map's sources are
// shipped, the license text is shipped, no test file (spec, snapshot, .env)
// is, and whatever dist imports is declared, and nothing else; zod, whose
// schemas the backend and the libs build together, is a peer dependency.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const problems = [];
const walk = (dir) =>
  readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? walk(join(dir, name)) : [join(dir, name)]));
const packageName = (specifier) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]);
const targets = (entry) => (typeof entry === 'string' ? [entry] : Object.values(entry).flatMap(targets));

for (const dir of process.argv.slice(2)) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const files = walk(dir);
  // A spec's jest snapshot beside the sources (src/**/__snapshots__) was shipped: tests stay in the repository.
  for (const file of files.map((f) => f.slice(dir.length + 1)))
    if (/(^|\/)(__tests__|__snapshots__|__mocks__|__fixtures__)\/|\.(spec|test)\.[cm]?[jt]sx?$|\.snap$|(^|\/)\.env/.test(file))
      problems.push(`${pkg.name}: ships ${file}, a test file (exclude it in package.json's files)`);
  if (pkg.license && !existsSync(join(dir, 'LICENSE')))
    problems.push(`${pkg.name}: declares license ${pkg.license} but ships no LICENSE file`);
  for (const target of Object.values(pkg.exports).flatMap(targets)) {
    if (!existsSync(join(dir, target))) problems.push(`${pkg.name}: exports points at ${target}, which the package does not ship`);
  }
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources, sourcesContent } = JSON.parse(readFileSync(map, 'utf8'));
    sources.forEach((source, i) => {
      if (!sourcesContent?.[i] && !existsSync(resolve(dirname(map), source)))
        problems.push(`${pkg.name}: ${map.slice(dir.length + 1)} maps to ${source}, which is not shipped`);
    });
  }
  const imported = new Set();
  for (const file of files.filter((f) => /\/dist\/.*\.js$/.test(f))) {
    for (const match of readFileSync(file, 'utf8').matchAll(
      /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s*['"]([^'"]+)['"]/gm,
    )) {
      const specifier = match[1] ?? match[2] ?? match[3];
      if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
      imported.add(packageName(specifier));
    }
  }
  const declared = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  for (const name of imported)
    if (!declared.has(name)) problems.push(`${pkg.name}: dist imports ${name}, which package.json does not declare`);
  // The backend's z.object holds the libs' fields and the libs' schemas are the backend's zod types: one copy, the backend's.
  if (pkg.dependencies?.zod)
    problems.push(`${pkg.name}: zod is a dependency (a backend on another zod gets a second copy); make it a peer dependency`);
  // @types/* peers carry the types of an import; they are never imported themselves.
  for (const name of declared)
    if (!imported.has(name) && !name.startsWith('@types/')) problems.push(`${pkg.name}: declares ${name}, which dist never imports`);
}

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`packages checked: ${process.argv.length - 2}`);
