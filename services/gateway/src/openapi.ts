import { OpenAPIRegistry, OpenApiGeneratorV31, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { ErrorResponseSchema, LegacyErrorSchema, type Scope } from '@sis/contracts';
import express, { Router, type RequestHandler } from 'express';
import type { z } from 'zod';

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'Invalid input; `details` lists the failing fields.',
  401: 'No API key, or one that is not valid.',
  403: 'The API key lacks the scope this needs.',
  404: 'Not found.',
  409: 'The resource is not in a state that allows this.',
  413: 'Too large.',
  415: 'Not an accepted image type, or a body in a content encoding or charset the API does not read.',
  422: 'A required form field is missing.',
  429: 'Rate limit reached; see Retry-After.',
  503: 'A dependency is unavailable.',
};

/** The largest JSON body a route reads. */
const JSON_BODY_LIMIT = '1mb';

/** What reading a request body can answer: malformed (400), too large (413), in an encoding or charset not read (415). */
const BODY_ERRORS = [400, 413, 415];

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
  success: {
    status: number;
    description: string;
    schema?: z.ZodType;
    contentType?: string;
    /** Other success statuses answered with the same body, each with its description (a repeated call, say). */
    also?: Record<number, string>;
  };
  /** Error statuses the route can answer, besides 429 (and, for a route with a request body, those of reading it). */
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
  const { success } = doc;
  const content = success.schema ? { content: { [success.contentType ?? 'application/json']: { schema: success.schema } } } : {};
  const responses: RouteConfig['responses'] = { [success.status]: { description: success.description, ...content } };
  for (const [status, description] of Object.entries(success.also ?? {})) responses[status] = { description, ...content };
  for (const status of new Set([...doc.errors, ...(doc.request?.body ? BODY_ERRORS : []), 429])) {
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

export interface RouteGroupOptions {
  /** The OpenAPI tag of every route in the group. */
  tag: string;
  /** What a route of each scope puts before its handlers; `public` routes get none. */
  guards: Partial<Record<Scope, RequestHandler>>;
  /** The original service's routes answer errors as `{"detail": ...}`. @defaultValue false */
  legacy?: boolean;
}

/** The guard each scope puts before its routes' handlers. */
export type Guards = RouteGroupOptions['guards'];

/** What one route declares: its documentation, which also says where it is served and who may call it. */
export type RouteSpec = Omit<RouteDoc, 'tag' | 'legacy'>;

/**
 * Routes and their documentation, declared together: each route is written once, so the path
 * served and the path documented cannot drift apart, and its scope picks its guard.
 *
 * ### Examples
 * ```ts
 * new RouteGroup({ tag: 'Images', guards: { read: canRead } })
 *   .route({ method: 'get', path: '/v1/images/{id}', scope: 'read', summary: 'Get one image', ... },
 *     async (req, res) => { res.json(await images.get(parse(IdParamsSchema, req.params, 'params').id)); });
 * ```
 */
export class RouteGroup {
  readonly router: Router = Router();
  readonly registry = new OpenAPIRegistry();
  readonly #options: Readonly<RouteGroupOptions>;

  constructor(options: RouteGroupOptions) {
    this.#options = Object.freeze({ ...options });
  }

  /** Documents a route and serves it: the guard of its scope, then `handlers`. */
  route(spec: RouteSpec, ...handlers: RequestHandler[]): this {
    const { tag, guards, legacy } = this.#options;
    const guard = spec.scope === 'public' ? [] : [guards[spec.scope]];
    if (guard[0] === undefined && spec.scope !== 'public') throw new Error(`${spec.method.toUpperCase()} ${spec.path}: the ${tag} routes have no guard for the ${spec.scope} scope`);
    document(this.registry, { ...spec, tag, legacy });
    // OpenAPI writes parameters as {id}, express as :id.
    const path = spec.path.replace(/\{(\w+)\}/g, ':$1');
    // Only a route that documents a JSON body parses one, after its guard: a route that reads no
    // body is not refused for sending one, and no body is read for a caller who may not call.
    const parseJson = spec.request?.body?.content['application/json'] ? [express.json({ limit: JSON_BODY_LIMIT })] : [];
    this.router[spec.method as 'get'](path, ...(guard as RequestHandler[]), ...parseJson, ...handlers);
    return this;
  }
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
