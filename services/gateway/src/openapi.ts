import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ErrorResponseSchema, LegacyErrorSchema, type Scope } from '@sis/contracts';
import type { Router } from 'express';
import type { z } from 'zod';

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input; `details` lists the failing fields.',
  401: 'No API key, or one that is not valid.',
  403: 'The API key lacks the scope this needs.',
  404: 'Not found.',
  409: 'The resource is not in a state that allows this.',
  413: 'Too large.',
  415: 'Not an accepted image type.',
  422: 'A required form field is missing.',
  429: 'Rate limit reached; see Retry-After.',
  503: 'A dependency is unavailable.',
};

/** A group of routes and the documentation of each, as every routes module returns it. */
export interface RouteGroup {
  router: Router;
  registry: OpenAPIRegistry;
}

export interface RouteDoc {
  method: RouteConfig['method'];
  /** OpenAPI path syntax: `/v1/images/{id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** The scope the route needs; `public` for none. */
  scope: Scope | 'public';
  request?: RouteConfig['request'];
  success: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  /** Error statuses the route can answer, besides 429. */
  errors: number[];
  /** The original service's routes answer errors as `{"detail": ...}`. */
  legacy?: boolean;
}

/**
 * Registers one route's documentation: its success response, the error statuses it can answer
 * (all in the shared error shape), and the scope it needs.
 */
export function document(registry: OpenAPIRegistry, doc: RouteDoc): void {
  const errorSchema = doc.legacy ? LegacyErrorSchema : ErrorResponseSchema;
  const responses: RouteConfig['responses'] = {
    [doc.success.status]: {
      description: doc.success.description,
      ...(doc.success.schema ? { content: { [doc.success.contentType ?? 'application/json']: { schema: doc.success.schema } } } : {}),
    },
  };
  for (const status of [...doc.errors, 429]) {
    responses[status] = { description: ERROR_DESCRIPTIONS[status] ?? 'Error.', content: { 'application/json': { schema: errorSchema } } };
  }
  registry.registerPath({
    method: doc.method,
    path: doc.path,
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(doc.scope === 'public' ? {} : { security: [{ bearerAuth: [] }], 'x-required-scope': doc.scope }),
    ...(doc.request ? { request: doc.request } : {}),
    responses,
  });
}

/** Merges the route groups' registries into one OpenAPI 3.1 document. */
export function buildOpenApiDocument(registries: OpenAPIRegistry[], version: string): object {
  const registry = new OpenAPIRegistry(registries);
  registry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (`sis_…`) or the admin token. Scopes: read, write, admin.',
  });
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'sis — semantic image search',
      version,
      description:
        'Upload images (presigned straight to S3, or through the gateway), watch them become vectors, and search them in plain language. ' +
        'Errors share one shape: `{"error": {"code", "message", "details", "requestId"}}`. The original service\'s `/images/` routes are kept for migration.',
    },
    servers: [{ url: '/' }],
  });
}
