export { MAX_PRESIGN_SECONDS, ObjectStorage, type ObjectHead, type ObjectStorageOptions, type PresignedUpload } from './object-storage.js';
export { imageKey, thumbnailKey } from './keys.js';
