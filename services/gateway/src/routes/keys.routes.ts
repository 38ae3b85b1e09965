import { ApiKeySchema, CreateApiKeyRequestSchema, CreateApiKeyResponseSchema, IdParamsSchema, ListApiKeysResponseSchema } from '@sis/contracts';
import { parse } from '@sis/http';
import { RouteGroup, type Guards } from '../openapi.js';
import type { ApiKeyService } from '../services/api-key.service.js';

export interface KeyRoutesOptions {
  keys: ApiKeyService;
  guards: Guards;
}

export function keyRoutes({ keys, guards }: KeyRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'API keys', guards });

  group.route(
    {
      method: 'post', path: '/v1/keys', scope: 'admin',
      summary: 'Create an API key',
      description: 'The key is in the response once; only its hash is stored.',
      request: { body: { content: { 'application/json': { schema: CreateApiKeyRequestSchema } } } },
      success: { status: 201, description: 'The key and its secret.', schema: CreateApiKeyResponseSchema },
      errors: [400, 401, 403],
    },
    async (req, res) => {
      const { name, scopes } = parse(CreateApiKeyRequestSchema, req.body);
      res.status(201).json(await keys.create(name, scopes));
    },
  );

  group.route(
    {
      method: 'get', path: '/v1/keys', scope: 'admin',
      summary: 'List API keys',
      success: { status: 200, description: 'Every key, newest first, without secrets.', schema: ListApiKeysResponseSchema },
      errors: [401, 403],
    },
    async (_req, res) => {
      res.json({ items: await keys.list() });
    },
  );

  group.route(
    {
      method: 'delete', path: '/v1/keys/{id}', scope: 'admin',
      summary: 'Revoke an API key',
      request: { params: IdParamsSchema },
      success: { status: 200, description: 'The revoked key.', schema: ApiKeySchema },
      errors: [400, 401, 403, 404],
    },
    async (req, res) => {
      res.json(await keys.revoke(parse(IdParamsSchema, req.params, 'params').id));
    },
  );

  return group;
}
