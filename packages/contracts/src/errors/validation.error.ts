import { AppError } from './app-error.js';

/** The request is malformed or a field is invalid; details lists the fields. */
export class ValidationError extends AppError {}
