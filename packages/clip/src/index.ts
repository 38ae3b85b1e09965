export { ClipModel, DEFAULT_CLIP_MODEL, type ClipModelOptions, type ClipTower } from './clip-model.js';
export { ModelPool, type ModelPoolOptions, type PooledModelSpec } from './model-pool.js';
export { DEFAULT_MAX_PIXELS, ImagePreprocessor, type ImagePreprocessorOptions, type Size } from './image-preprocessor.js';
export { pilResize } from './pil-resample.js';
export { preprocessorOptions, SUPPORTED_IMAGE_PROCESSORS, type PreprocessorConfig } from './preprocessor-config.js';
export * from './errors/index.js';
export { DTYPES, MODEL_FAMILIES, type Dtype } from './model-family.js';
export { DEFAULT_QUERY_CACHE_SIZE, QueryEncoder, type QueryEncoderOptions, type TextEmbedder } from './query-encoder.js';
export { runtimeVersions } from './versions.js';
