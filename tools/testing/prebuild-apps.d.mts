// Types of prebuild-apps.mjs for the TypeScript that calls it (tools/chaos).
/** Bundles the apps into `outDir` and writes `manifest.json` (source entry path → bundle). */
export function prebuildApps(outDir: string): Promise<Record<string, string>>;
export const PREBUILT_APPS: string[];
