/**
 * A second copy of a module, loaded in a module registry of its own: what a
 * backend has when its own @veza/x is another version than the one a lib it
 * installed depends on (npm nests the second copy), each copy with its own
 * classes. `jestObject` is the spec's `jest` (`@jest/globals`); `load` imports
 * the module from the spec, so that its path is the spec's own.
 */
export async function isolatedCopy<T>(
  jestObject: { isolateModulesAsync(fn: () => Promise<void>): Promise<void> },
  load: () => Promise<T>,
): Promise<T> {
  let copy: T | undefined;
  await jestObject.isolateModulesAsync(async () => {
    copy = await load();
  });
  if (copy === undefined) throw new Error('isolatedCopy: nothing was loaded');
  return copy;
}
