import { AppError } from './app-error.js';

/** Valid credentials without the scope this route needs. */
export class ForbiddenError extends AppError {}
