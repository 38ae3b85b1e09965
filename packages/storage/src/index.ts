export { MAX_PRESIGN_SECONDS, ObjectStorage, STORAGE_RETRY_AFTER_SECONDS, type ObjectHead, type ObjectStorageOptions, type PresignedUpload } from './object-storage.js';
export { imageKey, STAGING_PREFIX, stagingKey, thumbnailKey } from './keys.js';
export { forwardToStorage, type ForwardHandler, type StorageForwarderOptions } from './storage-forwarder.js';
