export { interleave, interleavedFigure, median, ratioOf, timeIt } from './bench.js';
export type { BenchContext, BenchFigure, BenchMeasure, BenchRun, BenchSection, InterleavedResult, RatioSpread } from './bench.js';
export { readmeCodeBlocks, readmeErrorTable } from './readme-error-codes.js';
export type { ReadmeErrorRow } from './readme-error-codes.js';
export { runReadmeExample } from './run-readme-example.js';
export { startNotPostgresServer, startSilentServer } from './tcp-servers.js';
export type { NotPostgresServer, SilentServer } from './tcp-servers.js';
export { alive, childEnv, ctrlC, gone, killLauncher, killLeftovers, startLaunched, trackApp } from './launched-process.js';
export type { LaunchedProcess } from './launched-process.js';
