import { AppError } from './app-error.js';

/** A dependency (database, queue, storage, search) cannot be reached. */
export class ServiceUnavailableError extends AppError {}
