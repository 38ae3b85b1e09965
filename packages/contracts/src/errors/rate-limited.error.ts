import { AppError } from './app-error.js';

/** Too many requests; details.retryAfterSeconds says when to try again. */
export class RateLimitedError extends AppError {}
