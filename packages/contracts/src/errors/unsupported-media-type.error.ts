import { AppError } from './app-error.js';

/** The content type is not one sis accepts. */
export class UnsupportedMediaTypeError extends AppError {}
