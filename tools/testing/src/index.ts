export { interleave, interleavedFigure, median, ratioOf, timeIt } from './bench.js';
export type { BenchContext, BenchFigure, BenchMeasure, BenchRun, BenchSection, InterleavedResult, RatioSpread } from './bench.js';
export { readmeCodeBlocks, readmeErrorTable } from './readme-error-codes.js';
export type { ReadmeErrorRow } from './readme-error-codes.js';
export { runReadmeExample } from './run-readme-example.js';
