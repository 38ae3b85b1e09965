import { createRequire } from 'node:module';
import { env } from '@huggingface/transformers';

/** Versions of the model runtime in use, for benchmark reports. */
export function runtimeVersions(): { transformers: string; onnxruntime: string } {
  // onnxruntime-node is transformers.js's dependency, so resolve it from there.
  const fromTransformers = createRequire(import.meta.resolve('@huggingface/transformers'));
  return { transformers: env.version, onnxruntime: (fromTransformers('onnxruntime-node/package.json') as { version: string }).version };
}
