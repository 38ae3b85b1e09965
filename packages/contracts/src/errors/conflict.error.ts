import { AppError } from './app-error.js';

/** The resource is not in a state that allows this. */
export class ConflictError extends AppError {}
