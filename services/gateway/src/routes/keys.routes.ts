import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ApiKeySchema, CreateApiKeyRequestSchema, CreateApiKeyResponseSchema, IdParamsSchema, ListApiKeysResponseSchema } from '@sis/contracts';
import { parse } from '@sis/http';
import { Router, type RequestHandler } from 'express';
import { document, type RouteGroup } from '../openapi.js';
import type { ApiKeyService } from '../services/api-key.service.js';

export interface KeyRoutesOptions {
  keys: ApiKeyService;
  isAdmin: RequestHandler;
}

export function keyRoutes({ keys, isAdmin }: KeyRoutesOptions): RouteGroup {
  const router = Router();
  const registry = new OpenAPIRegistry();
  const tag = 'API keys';

  document(registry, {
    method: 'post', path: '/v1/keys', tag, scope: 'admin',
    summary: 'Create an API key',
    description: 'The key is in the response once; only its hash is stored.',
    request: { body: { content: { 'application/json': { schema: CreateApiKeyRequestSchema } } } },
    success: { status: 201, description: 'The key and its secret.', schema: CreateApiKeyResponseSchema },
    errors: [400, 401, 403],
  });
  router.post('/v1/keys', isAdmin, async (req, res) => {
    const { name, scopes } = parse(CreateApiKeyRequestSchema, req.body);
    res.status(201).json(await keys.create(name, scopes));
  });

  document(registry, {
    method: 'get', path: '/v1/keys', tag, scope: 'admin',
    summary: 'List API keys',
    success: { status: 200, description: 'Every key, newest first, without secrets.', schema: ListApiKeysResponseSchema },
    errors: [401, 403],
  });
  router.get('/v1/keys', isAdmin, async (_req, res) => {
    res.json({ items: await keys.list() });
  });

  document(registry, {
    method: 'delete', path: '/v1/keys/{id}', tag, scope: 'admin',
    summary: 'Revoke an API key',
    request: { params: IdParamsSchema },
    success: { status: 200, description: 'The revoked key.', schema: ApiKeySchema },
    errors: [400, 401, 403, 404],
  });
  router.delete('/v1/keys/:id', isAdmin, async (req, res) => {
    res.json(await keys.revoke(parse(IdParamsSchema, req.params, 'params').id));
  });

  return { router, registry };
}
