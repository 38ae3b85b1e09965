export { errorHandler, notFound, v1ErrorBody, type ErrorBodyFormat } from './error-handler.js';
export { fieldIssues, parse } from './parse.js';
export { requestId } from './request-id.js';
