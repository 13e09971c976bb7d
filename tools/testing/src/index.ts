export { timeIt } from './bench.js';
export type { BenchContext, BenchFigure, BenchMeasure, BenchRun, BenchSection } from './bench.js';
export { readmeCodeBlocks, readmeErrorCodes, sourceErrorCodes } from './readme-error-codes.js';
export { runReadmeExample } from './run-readme-example.js';
