export * from './invalid-image-error.js';
export * from './model-not-found-error.js';
