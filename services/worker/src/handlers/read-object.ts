import type { Readable } from 'node:stream';
import { InvalidImageError } from '@sis/image';
import type { ObjectStorage } from '@sis/storage';

/** Reads a whole stored object, refusing it as soon as it outgrows the size it should have. */
export async function readObject(storage: ObjectStorage, key: string, size: number): Promise<Buffer> {
  const stream = await storage.get(key);
  if (!stream) throw new InvalidImageError('missing', 'the upload is missing from storage');
  return readExactly(stream, size);
}

async function readExactly(stream: Readable, declared: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > declared) {
      stream.destroy();
      throw new InvalidImageError('size_mismatch', `the upload is larger than the declared ${declared} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  if (size !== declared) throw new InvalidImageError('size_mismatch', `the upload is ${size} bytes, not the declared ${declared}`);
  return Buffer.concat(chunks, size);
}
