export { readExif, type ExifTags } from './exif.js';
export { inspectImage, type ImageInspection } from './inspect-image.js';
export { InvalidImageError, type InvalidImageReason } from '../errors/index.js';
