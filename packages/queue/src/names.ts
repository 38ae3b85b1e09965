/** Queue names. One queue per kind of work so each can be scaled and watched on its own. */
export const QUEUE_NAMES = {
  /** Embed an uploaded image with CLIP's image tower. */
  embed: 'sis-embed',
} as const;
export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Job names: a closed set, each with exactly one handler in the worker (checked at its start). */
export const JOB_NAMES = {
  /** Fetch, check and embed one uploaded image (payload: EmbedImageJob). */
  embedImage: 'embed-image',
  /** Embed an image already ready with one more model, while a new model fills in (payload: ReembedImageJob). */
  reembedImage: 'reembed-image',
} as const;
export type JobName = (typeof JOB_NAMES)[keyof typeof JOB_NAMES];
