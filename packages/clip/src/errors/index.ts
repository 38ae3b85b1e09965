export * from './model-not-found-error.js';
export * from './unsupported-model-error.js';
