export * from './model-not-found-error.js';
