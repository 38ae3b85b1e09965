import { ActivateModelRequestSchema, CreateModelRequestSchema, ListModelsResponseSchema, ModelIdParamsSchema, ModelSchema } from '@sis/contracts';
import { parse } from '@sis/http';
import { RouteGroup, type Guards } from '../openapi.js';
import type { ModelService } from '../services/model.service.js';

export interface ModelRoutesOptions {
  models: ModelService;
  guards: Guards;
}

export function modelRoutes({ models, guards }: ModelRoutesOptions): RouteGroup {
  const group = new RouteGroup({ tag: 'Models', guards });

  group.route(
    {
      method: 'get', path: '/v1/models', scope: 'read',
      summary: 'List embedding models',
      description: 'Every model sis has been asked to run, with its state and how many ready images it has embedded. Searches answer from the active one.',
      success: { status: 200, description: 'Live models first, oldest first.', schema: ListModelsResponseSchema },
      errors: [401, 403],
    },
    async (_req, res) => {
      res.json({ items: await models.list() });
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/models', scope: 'admin',
      summary: 'Add an embedding model',
      description:
        'Registers a model for the workers to load (its state is `building`) and to fill in: every ready image is embedded with it in the background, at a lower priority than new uploads, and new uploads are embedded with every live model meanwhile. With `activate` (the default) searches move to it in one step once it covers every ready image. A live model with the same source and dtype is returned as it is.',
      request: { body: { content: { 'application/json': { schema: CreateModelRequestSchema } } } },
      success: { status: 202, description: 'Registered; workers load it within seconds.', schema: ModelSchema },
      errors: [400, 401, 403],
    },
    async (req, res) => {
      res.status(202).json(await models.create(parse(CreateModelRequestSchema, req.body)));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/models/{id}/activate', scope: 'admin',
      summary: 'Make a model the one searches answer from',
      description: 'In one transaction. Only a model that covers every ready image, unless `force`. The model active before stays up to date as `standby`, so switching back is instant.',
      request: { params: ModelIdParamsSchema, body: { content: { 'application/json': { schema: ActivateModelRequestSchema } } } },
      success: { status: 200, description: 'Searches now answer from this model.', schema: ModelSchema },
      errors: [400, 401, 403, 404, 409],
    },
    async (req, res) => {
      const { id } = parse(ModelIdParamsSchema, req.params, 'params');
      res.json(await models.activate(id, parse(ActivateModelRequestSchema, req.body ?? {}).force));
    },
  );

  group.route(
    {
      method: 'post', path: '/v1/models/{id}/retire', scope: 'admin',
      summary: 'Retire a model, dropping its vectors and index',
      description: 'Never the active model: activate another first. Workers and search services let it go within seconds.',
      request: { params: ModelIdParamsSchema },
      success: { status: 200, description: 'Retired; its vectors are gone.', schema: ModelSchema },
      errors: [400, 401, 403, 404, 409],
    },
    async (req, res) => {
      res.json(await models.retire(parse(ModelIdParamsSchema, req.params, 'params').id));
    },
  );

  return group;
}
