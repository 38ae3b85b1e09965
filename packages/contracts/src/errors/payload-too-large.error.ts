import { AppError } from './app-error.js';

/** The body, a file or a declared size exceeds a limit. */
export class PayloadTooLargeError extends AppError {}
