export * from './image-decode-error.js';
export * from './model-not-found-error.js';
