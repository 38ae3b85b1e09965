export { errorHandler, notFound, v1ErrorBody, type ErrorBodyFormat, type ErrorHandlerOptions } from './error-handler.js';
export { fieldIssues, parse } from './parse.js';
export { requestId } from './request-id.js';
