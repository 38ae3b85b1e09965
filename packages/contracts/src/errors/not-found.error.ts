import { AppError } from './app-error.js';

/** The resource does not exist. */
export class NotFoundError extends AppError {}
