import { AppError } from './app-error.js';

/** No credentials, or credentials that are not valid. */
export class UnauthenticatedError extends AppError {}
