export { detectFileImageType, detectImageType, type DetectedImageType } from './content-type.js';
export { decodeRgb, encodeThumbnail, THUMBNAIL_SIZE, type DecodeOptions, type RgbImage } from './decode.js';
export { readExif, type ExifTags } from './exif.js';
export { inspectImage, type ImageInspection } from './inspect-image.js';
export { InvalidImageError, type InvalidImageReason } from './invalid-image.error.js';
