import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { OpenApiDocument, Operation } from './operations.js';

/** A response as the oracle judges it. */
export interface ObservedResponse {
  status: number;
  /** The Content-Type header, if any. */
  contentType: string | null;
  text: string;
}

/** Why a response breaks the contract: its kind (which failures count as the same) and the details. */
export interface Violation {
  /** E.g. `500`, `undocumented 413`, `200 wrong content type`, `200 body breaks schema (required at /items/0)`. */
  kind: string;
  /** Where and how: the status, the schema path that failed, the content type seen. */
  detail: string;
}

/** The document's id inside ajv, which response schemas are reached through. */
const DOCUMENT_ID = 'openapi';

/**
 * Judges responses against the OpenAPI document: no 5xx, only documented statuses, and a body
 * of the documented media type that validates against the documented schema (JSON Schema
 * 2020-12, which OpenAPI 3.1 uses, formats included).
 */
export class ResponseOracle {
  readonly #ajv: Ajv2020;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(document: OpenApiDocument) {
    // Not strict: the document carries OpenAPI's own keywords (`example`, `x-…`) beside schemas.
    this.#ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
    addFormats.default(this.#ajv);
    this.#ajv.addSchema(document as object, DOCUMENT_ID);
  }

  /** @returns what is wrong with the response, or undefined when it keeps the contract. */
  check(operation: Operation, response: ObservedResponse): Violation | undefined {
    const { status } = response;
    if (status >= 500) return { kind: `${status}`, detail: `${status} ${excerpt(response.text)}` };
    const key = status in operation.responses ? String(status) : 'default' in operation.responses ? 'default' : undefined;
    if (key === undefined) return { kind: `undocumented ${status}`, detail: `${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')}); body ${excerpt(response.text)}` };
    const mediaTypes = operation.responses[key]!;
    if (mediaTypes.length === 0) {
      return response.text === '' ? undefined : { kind: `${status} body not empty`, detail: `${status} documents no content but answered ${excerpt(response.text)}` };
    }
    const received = response.contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
    const mediaType = mediaTypes.find((m) => m.toLowerCase() === received);
    if (!mediaType) return { kind: `${status} wrong content type`, detail: `${status} answered ${received || 'no content type'}, documented ${mediaTypes.join(', ')}` };
    if (!mediaType.endsWith('json')) return undefined;
    let body: unknown;
    try {
      body = JSON.parse(response.text);
    } catch {
      return { kind: `${status} body not JSON`, detail: `${status} ${mediaType} body is not JSON: ${excerpt(response.text)}` };
    }
    const validate = this.#validator(operation, key, mediaType);
    if (validate(body)) return undefined;
    const [error] = validate.errors ?? [];
    return {
      kind: `${status} body breaks schema (${error?.keyword ?? '?'} at ${error?.instancePath || '/'})`,
      detail: `${status} body breaks its schema: ${error?.instancePath || '(root)'} ${error?.message ?? ''} (${error?.schemaPath ?? ''}); body ${excerpt(response.text)}`,
    };
  }

  #validator(operation: Operation, status: string, mediaType: string): ValidateFunction {
    const pointer = ['paths', operation.path, operation.method.toLowerCase(), 'responses', status, 'content', mediaType, 'schema'].map((token) => encodeURIComponent(token.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
    let validate = this.#validators.get(pointer);
    if (!validate) {
      validate = this.#ajv.compile({ $ref: `${DOCUMENT_ID}#/${pointer}` });
      this.#validators.set(pointer, validate);
    }
    return validate;
  }
}

/** The start of a body, for a report line. */
export function excerpt(text: string, length = 300): string {
  const shown = JSON.stringify(text.length > length ? text.slice(0, length) : text);
  return text.length > length ? `${shown}… (${text.length} chars)` : shown;
}
