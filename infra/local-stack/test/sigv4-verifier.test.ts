import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it, vi } from 'vitest';
import { LOCAL_S3_CREDENTIALS } from '../src/s3.js';
import { SigV4Verifier } from '../src/sigv4-verifier.js';
import { BUCKET, EMPTY_SHA256, newKey, useLocalS3 } from './s3-fixture.js';

const local = useLocalS3();

describe('SigV4Verifier', () => {
  // s3rver itself also refuses expired URLs, skewed clocks and unknown keys; these prove the
  // verifier does so without it.
  const verifier = new SigV4Verifier({ credentials: [LOCAL_S3_CREDENTIALS] });
  const received = (url: string, method: string, headers: Record<string, string>) => {
    const { host, pathname, search } = new URL(url);
    return { method, url: pathname + search, headers: { host, ...Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v])) } };
  };

  it('refuses an expired presigned URL, and accepts the same one unexpired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const upload = await local.storage.presignPut(newKey(), { contentType: 'image/jpeg', contentLength: 1, expiresInSeconds: 60 });
      await expect(verifier.verify(received(upload.url, 'PUT', upload.headers))).resolves.toBeUndefined();
      vi.setSystemTime(Date.now() + 61_000);
      await expect(verifier.verify(received(upload.url, 'PUT', upload.headers))).rejects.toMatchObject({ code: 'AccessDenied', status: 403, message: 'Request has expired' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a header signature made with a clock 16 minutes off, and an unknown access key', async () => {
    const url = new URL(`${local.s3.endpoint}/${BUCKET}/${newKey()}`);
    const sign = (signingDate: Date, accessKeyId: string = LOCAL_S3_CREDENTIALS.accessKeyId) =>
      new SignatureV4({ credentials: { ...LOCAL_S3_CREDENTIALS, accessKeyId }, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false }).sign(
        { method: 'GET', protocol: 'http:', hostname: url.hostname, path: url.pathname, headers: { host: url.host, 'x-amz-content-sha256': EMPTY_SHA256 } },
        { signingDate },
      );
    const asReceived = async (signed: ReturnType<typeof sign>) => ({ method: 'GET', url: url.pathname, headers: (await signed).headers as Record<string, string> });
    await expect(verifier.verify(await asReceived(sign(new Date())))).resolves.toBeUndefined();
    await expect(verifier.verify(await asReceived(sign(new Date(Date.now() + 16 * 60_000))))).rejects.toMatchObject({ code: 'RequestTimeTooSkewed', status: 403 });
    await expect(verifier.verify(await asReceived(sign(new Date(), 'NOBODY')))).rejects.toMatchObject({ code: 'InvalidAccessKeyId', status: 403 });
  });
});
