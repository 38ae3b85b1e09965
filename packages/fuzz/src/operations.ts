/** A JSON Schema as an OpenAPI 3.1 document holds it: plain data, read loosely. */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** The parts of an OpenAPI 3.1 document the fuzzer reads. */
export interface OpenApiDocument {
  paths: Record<string, Record<string, OperationObject>>;
  components?: { schemas?: Record<string, JsonSchema>; parameters?: Record<string, ParameterObject> };
}

interface ParameterObject {
  $ref?: string;
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
}

interface OperationObject {
  parameters?: ParameterObject[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: JsonSchema }> }>;
}

export interface Parameter {
  name: string;
  in: ParameterObject['in'];
  required: boolean;
  schema: JsonSchema;
}

/** One operation of the document, as the fuzzer calls it. */
export interface Operation {
  /** `GET /v1/images/{id}`: the name reports use. */
  id: string;
  /** Upper case, as sent. */
  method: string;
  /** OpenAPI path syntax, `{name}` for each path parameter. */
  path: string;
  parameters: Parameter[];
  /** The request body the operation reads, by media type (`application/json`, `multipart/form-data`). */
  body?: { mediaType: string; schema: JsonSchema; required: boolean };
  /** The documented statuses (`"200"`, `"default"`), each with the media types of its content. */
  responses: Record<string, string[]>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document, in its order. */
export function operationsOf(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!METHODS.includes(method)) continue;
      const parameters = (operation.parameters ?? []).map((p) => parameter(document, p));
      const [body] = Object.entries(operation.requestBody?.content ?? {});
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters,
        ...(body ? { body: { mediaType: body[0], schema: body[1].schema ?? {}, required: operation.requestBody?.required ?? false } } : {}),
        responses: Object.fromEntries(Object.entries(operation.responses ?? {}).map(([status, response]) => [status, Object.keys(response.content ?? {})])),
      });
    }
  }
  return operations;
}

function parameter(document: OpenApiDocument, p: ParameterObject): Parameter {
  const resolved = p.$ref ? (resolvePointer(document, p.$ref) as ParameterObject) : p;
  // OpenAPI requires path parameters; the others are optional unless they say otherwise.
  return { name: resolved.name, in: resolved.in, required: resolved.in === 'path' || (resolved.required ?? false), schema: resolved.schema ?? {} };
}

/**
 * The value a local reference (`#/components/schemas/Image`) points at.
 * @throws Error when the reference is not local or leads nowhere.
 */
export function resolvePointer(document: object, ref: string): unknown {
  if (!ref.startsWith('#/')) throw new Error(`only local references are supported, not ${ref}`);
  let value: unknown = document;
  for (const token of ref.slice(2).split('/')) {
    const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
    if (value === null || typeof value !== 'object' || !(key in value)) throw new Error(`${ref} leads nowhere`);
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
