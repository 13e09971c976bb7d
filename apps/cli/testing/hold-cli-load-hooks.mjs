// The resolve hook of hold-cli-load.mjs (it runs on the loader's thread, or on Node 22 and later with tsx's
// in-thread hooks, as the app's main thread waits for it). main.ts's import of './run-cli.js', the last module it
// loads before it runs the command, is given a module that first holds the main thread (hold-cli-wait.mjs), then
// is run-cli itself: the app is busy loading, as on Node 22 and 24 it is for its whole load (tsx loads the modules
// synchronously there), and a signal sent then can be handled only once the load is over.
let hold = false;
export function initialize(data) {
  hold = data.hold === true;
}

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (!hold || !/^\.\/run-cli\.(js|ts)$/.test(specifier) || !/\/main\.ts$/.test(context.parentURL ?? '')) return resolved;
  const wait = new URL('./hold-cli-wait.mjs', import.meta.url).href;
  const source = `import ${JSON.stringify(wait)}; export * from ${JSON.stringify(resolved.url)};`;
  return { url: `data:text/javascript,${encodeURIComponent(source)}`, shortCircuit: true };
}
