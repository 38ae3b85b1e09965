import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ObjectStorage } from '@sis/storage';
import { afterAll, beforeAll, vi } from 'vitest';
import { freePort } from '../src/index.js';
import { LOCAL_S3_CREDENTIALS, S3Server } from '../src/s3.js';

export const BUCKET = 'sis-images';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

export interface LocalS3 {
  readonly s3: S3Server;
  /** An SDK client with the local server's own credentials. */
  readonly storage: ObjectStorage;
  storageAt(endpoint: string, credentials?: { accessKeyId: string; secretAccessKey: string }): ObjectStorage;
  /** Runs after the file's tests, before the server stops. */
  onClose(close: () => unknown): void;
}

/** A local S3 server (checking signatures) for one test file: started before its tests, stopped after. */
export function useLocalS3(): LocalS3 {
  let dir: string;
  const closers: (() => unknown)[] = [];
  const fixture = {
    s3: undefined as unknown as S3Server,
    storage: undefined as unknown as ObjectStorage,
    storageAt(endpoint: string, credentials = LOCAL_S3_CREDENTIALS) {
      const client = new ObjectStorage({ bucket: BUCKET, region: 'us-east-1', endpoint, credentials });
      closers.push(() => client.destroy());
      return client;
    },
    onClose: (close: () => unknown) => void closers.push(close),
  };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sis-s3-'));
    fixture.s3 = new S3Server({ dir, port: await freePort(), bucket: BUCKET });
    await fixture.s3.start();
    fixture.storage = fixture.storageAt(fixture.s3.endpoint);
  });
  afterAll(async () => {
    for (const close of closers) await close();
    await fixture.s3?.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return fixture;
}

/** Status, S3 error code and message of a refused request. */
export async function refusal(response: Response): Promise<{ status: number; code: string | undefined; message: string | undefined }> {
  const text = await response.text();
  return { status: response.status, code: /<Code>(.*?)<\/Code>/.exec(text)?.[1], message: /<Message>(.*?)<\/Message>/.exec(text)?.[1] };
}

export const newKey = (name = 'photo.jpg') => `uploads/${randomUUID()}/${name}`;

/** The URL with the last hex digit of its signature changed. */
export const withOtherSignature = (url: string) => {
  const changed = new URL(url);
  const signature = changed.searchParams.get('X-Amz-Signature')!;
  changed.searchParams.set('X-Amz-Signature', signature.slice(0, -1) + (signature.endsWith('0') ? '1' : '0'));
  return changed.href;
};

/** A one-byte JPEG upload `storage` signed 16 minutes ago for 15: expired a minute ago. */
export async function expiredUpload(storage: ObjectStorage, key: string): Promise<{ url: string; headers: Record<string, string> }> {
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(Date.now() - 16 * 60_000);
    return await storage.presignPut(key, { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 900 });
  } finally {
    vi.useRealTimers();
  }
}
