import type { ImagePreprocessorOptions, Size } from './image-preprocessor.js';

/** The fields of a `preprocessor_config.json` that decide the model's input pixels. */
export interface PreprocessorConfig {
  image_processor_type?: string;
  feature_extractor_type?: string;
  do_resize?: boolean;
  size?: number | { shortest_edge?: number; height?: number; width?: number };
  resample?: number;
  do_center_crop?: boolean;
  crop_size?: number | { height?: number; width?: number };
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number | readonly number[];
  image_std?: number | readonly number[];
}

/** What each processor class does when its config leaves a field out (transformers' defaults). */
const PROCESSOR_DEFAULTS: Readonly<Record<string, Readonly<Required<Pick<PreprocessorConfig, 'resample' | 'do_center_crop' | 'image_mean' | 'image_std'>>>>> = {
  CLIPImageProcessor: { resample: 3, do_center_crop: true, image_mean: [0.48145466, 0.4578275, 0.40821073], image_std: [0.26862954, 0.26130258, 0.27577711] },
  SiglipImageProcessor: { resample: 2, do_center_crop: false, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] },
};
const ALIASES: Readonly<Record<string, string>> = { CLIPFeatureExtractor: 'CLIPImageProcessor' };

/** The image processors sis reproduces, for error messages and docs. */
export const SUPPORTED_IMAGE_PROCESSORS = Object.freeze(Object.keys(PROCESSOR_DEFAULTS));

/**
 * Reads a checkpoint's preprocessing from its `preprocessor_config.json`.
 * @returns options for the ImagePreprocessor, or a reason the config cannot be honoured exactly.
 */
export function preprocessorOptions(config: PreprocessorConfig, maxPixels: number): ImagePreprocessorOptions | { unsupported: string } {
  const declared = config.image_processor_type ?? config.feature_extractor_type ?? 'CLIPImageProcessor';
  const type = ALIASES[declared] ?? declared;
  const defaults = PROCESSOR_DEFAULTS[type];
  if (!defaults) return { unsupported: `image processor ${declared}; supported: ${SUPPORTED_IMAGE_PROCESSORS.join(', ')}` };
  if (config.do_resize === false) return { unsupported: 'do_resize false (the model would need images of exactly its input size)' };
  const resize = resizeOf(config.size);
  if (!resize) return { unsupported: `size ${JSON.stringify(config.size)}; expected shortest_edge or height and width` };
  const square = 'shortestEdge' in resize ? { width: resize.shortestEdge, height: resize.shortestEdge } : resize;
  const crop = (config.do_center_crop ?? defaults.do_center_crop) ? (config.crop_size === undefined ? square : sizeOf(config.crop_size)) : undefined;
  if (crop === null) return { unsupported: `crop_size ${JSON.stringify(config.crop_size)}` };
  // The tower takes one fixed size; a shortest-edge resize alone keeps each image's aspect.
  if ('shortestEdge' in resize && !crop) return { unsupported: 'a shortest_edge resize without a centre crop (the input would not have one fixed size)' };
  const normalise = config.do_normalize ?? true;
  return {
    resize,
    ...(crop ? { crop } : {}),
    resample: config.resample ?? defaults.resample,
    rescale: config.do_rescale === false ? 1 : (config.rescale_factor ?? 1 / 255),
    mean: normalise ? perChannel(config.image_mean ?? defaults.image_mean) : [0, 0, 0],
    std: normalise ? perChannel(config.image_std ?? defaults.image_std) : [1, 1, 1],
    maxPixels,
  };
}

function resizeOf(size: PreprocessorConfig['size']): ImagePreprocessorOptions['resize'] | null {
  if (typeof size === 'number') return { shortestEdge: size };
  if (size?.shortest_edge) return { shortestEdge: size.shortest_edge };
  return sizeOf(size);
}

function sizeOf(size: PreprocessorConfig['size'] | PreprocessorConfig['crop_size']): Size | null {
  if (typeof size === 'number') return { width: size, height: size };
  if (size && 'height' in size && size.height && size.width) return { width: size.width, height: size.height };
  return null;
}

function perChannel(value: number | readonly number[]): readonly number[] {
  return typeof value === 'number' ? [value, value, value] : value;
}
