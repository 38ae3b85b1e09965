import { colourImage } from '@sis/image/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, startGateway, type Gateway } from './harness.js';

let gw: Gateway;
beforeAll(async () => {
  // Everything logged, as verbosely as it gets, by the gateway and by the processes beside it.
  gw = await startGateway({ LOG_LEVEL: 'debug' }, { captureLogs: true });
});
afterAll(() => gw?.stop());

describe('logs', () => {
  it('never hold a key, the admin token, Basic credentials or a presigned signature', async () => {
    const key = await gw.key('read', 'write');
    const id = await gw.upload(await colourImage('red', { width: 64, height: 48 }), 'image/jpeg', 'red.jpg');
    await gw.settled(id);
    expect((await gw.api('GET', '/v1/search?q=red', { key })).status).toBe(200);
    const detail = await gw.api('GET', `/v1/images/${id}`, { key });
    const presigned = await gw.api('POST', '/v1/uploads', { key, json: { filename: 'x.jpg', contentType: 'image/jpeg', size: 10 } });
    const basic = Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64');
    expect((await fetch(`${gw.base}/admin/queues`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(200);
    const wrongKey = `sis_${'x'.repeat(43)}`;
    expect((await gw.api('GET', '/v1/images', { key: wrongKey })).status).toBe(401);
    // A secret sent where none belongs, in the query string.
    await gw.api('GET', `/v1/images?limit=1&token=${ADMIN_TOKEN}`);

    const signatures = [detail.body.url, detail.body.thumbnailUrl, presigned.body.upload.url].map((url: string) => new URL(url).searchParams.get('X-Amz-Signature')!);
    const secrets = { 'the admin token': ADMIN_TOKEN, 'an API key': key, 'a wrong key': wrongKey, 'Basic credentials': basic, ...Object.fromEntries(signatures.map((s, i) => [`signature ${i}`, s])) };
    const logs = { gateway: gw.logs(), search: await gw.serviceLog('search'), worker: await gw.serviceLog('worker') };
    // The logs are there, and they are about these very requests.
    expect(logs.gateway).toMatch(/"url":"\/v1\/search\?q=red"/);
    expect(logs.gateway).toMatch(/"authorization":"\[redacted\]"/);
    for (const [service, text] of Object.entries(logs)) {
      for (const [what, secret] of Object.entries(secrets)) expect(text.includes(secret), `${what} in the ${service}'s log`).toBe(false);
    }
  });
});
