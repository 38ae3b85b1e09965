export { fuzzApi, type Failure, type FuzzOptions, type FuzzReport, type OperationTally } from './fuzzer.js';
export { operationsOf, type OpenApiDocument, type Operation } from './operations.js';
export { ResponseOracle, type ObservedResponse, type Violation } from './oracle.js';
export { formatReport } from './report.js';
export { FUZZ_STACK_SETTINGS } from './stack.js';
