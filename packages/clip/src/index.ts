export { ClipModel, DEFAULT_CLIP_MODEL, type ClipModelOptions, type ClipTower } from './clip-model.js';
export { DEFAULT_MAX_PIXELS, ImagePreprocessor, type ImagePreprocessorOptions } from './image-preprocessor.js';
export * from './errors/index.js';
export { DEFAULT_QUERY_CACHE_SIZE, QueryEncoder, type QueryEncoderOptions, type TextEmbedder } from './query-encoder.js';
export { runtimeVersions } from './versions.js';
