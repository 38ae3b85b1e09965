import { ListModelsResponseSchema } from '@sis/contracts';
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

  return group;
}
