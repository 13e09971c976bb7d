export { readmeCodeBlocks, readmeErrorCodes, sourceErrorCodes } from './readme-error-codes.js';
export { runReadmeExample } from './run-readme-example.js';
