import fc from 'fast-check';
import type { JsonSchema, Operation, Parameter } from './operations.js';
import type { FileSample } from './samples.js';
import { KnownRef } from './known-values.js';
import { NOT_A_SEGMENT, urlText } from './text.js';
import { nastyString, SchemaValues, type ValueContext } from './values.js';

/** A file part of a multipart body. */
export interface FilePart extends FileSample {
  field: string;
}

export type RequestBody =
  /** A value sent as JSON text. */
  | { kind: 'json'; value: unknown; contentType: string }
  /** Text sent as it is: malformed JSON, nesting too deep to parse, a form where JSON belongs. */
  | { kind: 'text'; text: string; contentType: string | undefined }
  /** A well-formed multipart form; field values that are not text are sent as JSON. */
  | { kind: 'form'; fields: [string, unknown][]; files: FilePart[] }
  /** Bytes sent as they are, under a content type that may be lying. */
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string | undefined };

export type Credentials =
  | { kind: 'admin' }
  /** One of the extra keys, by position. */
  | { kind: 'key'; index: number }
  | { kind: 'none' }
  /** An Authorization header that is wrong: an unknown key, another scheme, garbage. */
  | { kind: 'header'; value: string };

/**
 * One request of one operation, as generated: data fast-check can shrink and print. Values may
 * be {@link KnownRef}s, settled when the request is sent; those that are not text go into the
 * URL as JSON.
 */
export interface FuzzRequest {
  operation: string;
  /** `valid`, or the mutation that made it. */
  variant: string;
  path: Record<string, unknown>;
  query: [string, unknown][];
  /** Appended to the query string as it is (bad escapes, keys without values). */
  rawQuery?: string;
  /** `/` after the path. */
  trailingSlash?: boolean;
  credentials: Credentials;
  /** X-Forwarded-For: the client address the gateway sees when it trusts loopback proxies. */
  clientAddress?: string;
  headers: Record<string, string>;
  body?: RequestBody;
}

/** What request generation needs besides the operation. */
export interface RequestArbitraryOptions extends ValueContext {
  /** Files for binary form fields. */
  files: readonly FileSample[];
  /** How many extra keys (besides the admin token) requests may carry. */
  keys: number;
}

/** Body media types that are not what the operation reads, and JSON in charsets a server may not. */
const WRONG_CONTENT_TYPES = [
  'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=latin1',
  'application/json; charset=utf-16', 'application/json; charset=nonsense', 'application/vnd.api+json', 'application/json; boundary=x', 'image/png', 'x',
];
const CONTENT_ENCODINGS = ['gzip', 'deflate', 'br', 'identity', 'compress', 'x-nonsense', 'gzip, gzip'];
/** Authorization headers a client could get wrong. */
const WRONG_AUTHORIZATION = ['Bearer', 'Bearer ', 'Basic YWRtaW46YWRtaW4=', 'bearer sis_', 'Bearer a b', 'Token abc', 'Bearer ' + 'x'.repeat(4000)];
/** Client addresses that stay the same, so some callers run into the per-address limits. */
const FIXED_ADDRESSES = ['127.0.0.2', '127.0.0.3'];
/** A JSON body a little over the gateway's 1 MB limit. */
const OVER_BODY_LIMIT = `{"a":"${'x'.repeat(1024 * 1024 + 10)}"}`;

const MALFORMED_JSON = ['{', '{"a":}', '{"a":1,}', "{'a':1}", '[1,2', 'nul', '{"a":1}{"b":2}', '\u0000', '{"a":"\\u00"}', '{"a":1e99999}', ''];

/** Generates requests for operations: valid ones and mutated ones, with any credentials. */
export class RequestArbitraries {
  readonly #options: Readonly<RequestArbitraryOptions>;
  readonly #values: SchemaValues;

  constructor(options: RequestArbitraryOptions) {
    this.#options = Object.freeze({ ...options });
    this.#values = new SchemaValues(options);
  }

  /** Requests of `operation`: mostly valid, the rest mutated in one way each. */
  for(operation: Operation): fc.Arbitrary<FuzzRequest> {
    const mutations = this.#mutations(operation);
    return fc.oneof({ weight: 3, arbitrary: this.valid(operation) }, { weight: 2, arbitrary: fc.oneof(...mutations) });
  }

  /** Requests the document describes: every required part present and of the declared shape. */
  valid(operation: Operation): fc.Arbitrary<FuzzRequest> {
    const pathParams = operation.parameters.filter((p) => p.in === 'path');
    const queryParams = operation.parameters.filter((p) => p.in === 'query');
    return fc.record({
      operation: fc.constant(operation.id),
      variant: fc.constant('valid'),
      path: fc.record(Object.fromEntries(pathParams.map((p) => [p.name, this.#values.valid(p.schema, 0, p.name).filter(isSegment)]))),
      query: fc.tuple(...queryParams.map((p) => this.#queryPair(p, p.required ? 'always' : 'sometimes'))).map((pairs) => pairs.flat()),
      credentials: this.#credentials(),
      clientAddress: clientAddress,
      headers: fc.constant({}),
      ...(operation.body ? { body: this.#validBody(operation.body) } : {}),
    });
  }

  #mutations(operation: Operation): fc.Arbitrary<FuzzRequest>[] {
    const base = this.valid(operation);
    const variant = (name: string, change: fc.Arbitrary<Partial<FuzzRequest>>) =>
      fc.tuple(base, change).map(([request, changed]): FuzzRequest => ({ ...request, ...changed, variant: name }));
    const pathParams = operation.parameters.filter((p) => p.in === 'path');
    const queryParams = operation.parameters.filter((p) => p.in === 'query');
    const mutations = [
      variant('trailing slash', fc.constant({ trailingSlash: true })),
      fc.tuple(base, fc.array(fc.tuple(fc.constantFrom('extra', 'limit[]', '__proto__', ''), fc.string()), { minLength: 1, maxLength: 3 })).map(([request, extra]) => ({ ...request, variant: 'unknown query parameter', query: [...request.query, ...extra] })),
      variant('raw query', fc.record({ rawQuery: fc.constantFrom('%zz', '%', '&&&', '=', 'a=%E0%A4%A', 'limit', '%00=%00', 'q=%ff%fe') })),
    ];
    if (pathParams.length) {
      const mutant = fc.oneof(...pathParams.map((p) => fc.record({ name: fc.constant(p.name), value: this.#values.mutant(p.schema) })));
      mutations.push(
        fc.tuple(base, mutant).map(([request, { name, value }]) => ({
          ...request,
          variant: `path parameter ${name}`,
          path: { ...request.path, [name]: value },
        })).filter((request) => Object.values(request.path).every(isSegment)),
      );
    }
    if (queryParams.length) {
      const mutant = fc.oneof(...queryParams.map((p) => this.#values.mutant(p.schema).map((value) => [p.name, value] as [string, unknown])));
      mutations.push(
        fc.tuple(base, mutant).map(([request, [name, value]]) => ({ ...request, variant: `query parameter ${name}`, query: [...request.query.filter(([n]) => n !== name), [name, value]] })),
        // The same parameter twice arrives as an array.
        fc.tuple(base, fc.constantFrom(...queryParams)).map(([request, p]) => ({ ...request, variant: `query parameter ${p.name} twice`, query: [...request.query, [p.name, '1'], [p.name, '2']] })),
      );
      const required = queryParams.filter((p) => p.required);
      if (required.length) {
        mutations.push(fc.tuple(base, fc.constantFrom(...required)).map(([request, p]) => ({ ...request, variant: `query parameter ${p.name} missing`, query: request.query.filter(([n]) => n !== p.name) })));
      }
    }
    if (operation.method !== 'GET' && operation.method !== 'HEAD') mutations.push(...this.#bodyMutations(operation, base));
    return mutations;
  }

  #bodyMutations(operation: Operation, base: fc.Arbitrary<FuzzRequest>): fc.Arbitrary<FuzzRequest>[] {
    const withBody = (name: string, body: fc.Arbitrary<RequestBody>, headers: fc.Arbitrary<Record<string, string>> = fc.constant({})) =>
      fc.tuple(base, body, headers).map(([request, b, h]): FuzzRequest => ({ ...request, variant: name, body: b, headers: h }));
    const text = fc.oneof(
      fc.constantFrom(...MALFORMED_JSON),
      fc.tuple(fc.integer({ min: 1000, max: 100_000 }), fc.boolean()).map(([depth, arrays]) => (arrays ? '['.repeat(depth) + ']'.repeat(depth) : '{"a":'.repeat(depth) + '1' + '}'.repeat(depth))),
      fc.constant(OVER_BODY_LIMIT),
      nastyString(2000),
    );
    const mutations = [
      withBody('malformed JSON', fc.record({ kind: fc.constant('text' as const), text, contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8') })),
      withBody('junk multipart', this.#junkMultipart()),
    ];
    if (operation.body) mutations.push(base.map((request): FuzzRequest => ({ ...request, variant: 'no body', body: undefined })));
    const json = operation.body?.mediaType === 'application/json' ? operation.body.schema : undefined;
    if (json) {
      mutations.push(
        withBody('body value', fc.record({ kind: fc.constant('json' as const), value: this.#values.mutant(json), contentType: fc.constant('application/json') })),
        withBody('body content type', fc.record({ kind: fc.constant('json' as const), value: this.#values.valid(json), contentType: fc.constantFrom(...WRONG_CONTENT_TYPES) })),
        withBody(
          'body content encoding',
          fc.record({ kind: fc.constant('json' as const), value: this.#values.valid(json), contentType: fc.constant('application/json') }),
          fc.constantFrom(...CONTENT_ENCODINGS).map((encoding) => ({ 'content-encoding': encoding })),
        ),
      );
    } else if (operation.body?.mediaType === 'multipart/form-data') {
      mutations.push(withBody('form fields', this.#mutatedForm(operation.body.schema)));
    } else {
      // What a client might send to an operation that reads no body at all.
      mutations.push(withBody('unexpected body', fc.record({ kind: fc.constant('json' as const), value: fc.jsonValue({ maxDepth: 2 }), contentType: fc.constantFrom('application/json', 'text/plain') })));
    }
    return mutations;
  }

  #validBody(body: NonNullable<Operation['body']>): fc.Arbitrary<RequestBody | undefined> {
    const value =
      body.mediaType === 'multipart/form-data'
        ? this.#validForm(body.schema)
        : this.#values.valid(body.schema).map((v): RequestBody => ({ kind: 'json', value: v, contentType: body.mediaType }));
    return body.required ? value : fc.option(value, { nil: undefined, freq: 8 });
  }

  #validForm(schema: JsonSchema): fc.Arbitrary<RequestBody> {
    const { properties = {}, required = [] } = schema as { properties?: Record<string, JsonSchema>; required?: string[] };
    type Part = { file: FilePart } | { field: [string, unknown] };
    const parts = Object.entries(properties).map(([field, property]) => {
      const part: fc.Arbitrary<Part> =
        property.format === 'binary' ? this.#file(field).map((file) => ({ file })) : this.#values.valid(property, 0, field).map((v) => ({ field: [field, v] as [string, unknown] }));
      return required.includes(field) ? part : fc.option(part, { nil: undefined, freq: 2 });
    });
    return fc.tuple(...parts).map((chosen): RequestBody => ({
      kind: 'form',
      fields: chosen.flatMap((part) => (part && 'field' in part ? [part.field] : [])),
      files: chosen.flatMap((part) => (part && 'file' in part ? [part.file] : [])),
    }));
  }

  #mutatedForm(schema: JsonSchema): fc.Arbitrary<RequestBody> {
    const { properties = {} } = schema as { properties?: Record<string, { format?: string }> };
    const fileFields = Object.entries(properties).filter(([, p]) => p.format === 'binary').map(([name]) => name);
    const textFields = Object.keys(properties).filter((name) => !fileFields.includes(name));
    const fieldName = fc.oneof(fc.constantFrom(...Object.keys(properties), 'extra', ''), fc.string({ maxLength: 10 }));
    return fc.record({
      kind: fc.constant('form' as const),
      // Too many fields, fields too long, names the form does not have, values that are not text.
      fields: fc.array(fc.tuple(fieldName, fc.oneof(nastyString(100_000), fc.constantFrom('{}', '[]', '{"a":', 'null'))), { maxLength: 8 }),
      // No file, a file in another field, several files, the same file twice.
      files: fc.array(fc.oneof(fc.constantFrom(...fileFields, ...textFields), fieldName).chain((field) => this.#file(field)), { maxLength: 3 }),
    });
  }

  /** A file for a form field: a sample as it is, cut short, relabelled, or random bytes. */
  #file(field: string): fc.Arbitrary<FilePart> {
    const { files } = this.#options;
    const sample = fc.constantFrom(...files);
    return fc.oneof(
      { weight: 3, arbitrary: sample.map((s) => ({ ...s, field })) },
      { weight: 1, arbitrary: fc.tuple(sample, fc.double({ min: 0, max: 1, noNaN: true })).map(([s, share]) => ({ ...s, field, bytes: s.bytes.slice(0, Math.floor(s.bytes.length * share)) })) },
      { weight: 1, arbitrary: fc.tuple(sample, fc.constantFrom(...files.map((f) => f.contentType), 'text/plain', 'application/octet-stream', ''), nastyString(300)).map(([s, contentType, filename]) => ({ ...s, field, contentType, filename })) },
      { weight: 1, arbitrary: fc.record({ field: fc.constant(field), filename: fc.string({ maxLength: 20 }), contentType: fc.constantFrom('image/png', 'image/jpeg', 'application/octet-stream'), bytes: fc.uint8Array({ maxLength: 4096 }) }) },
    );
  }

  /** Bodies that claim to be multipart and are not, or not quite. */
  #junkMultipart(): fc.Arbitrary<RequestBody> {
    const boundary = 'fuzzboundary';
    const part = (body: string) => `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n${body}`;
    return fc.record({
      kind: fc.constant('bytes' as const),
      contentType: fc.constantFrom(`multipart/form-data; boundary=${boundary}`, 'multipart/form-data', 'multipart/form-data; boundary=other', 'multipart/mixed; boundary=' + boundary, undefined),
      bytes: fc.oneof(
        fc.constantFrom(part('abc'), part('abc') + `\r\n--${boundary}--`, `--${boundary}\r\n\r\n`, `--${boundary}--`, `--${boundary}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--${boundary}--`, 'x'.repeat(100)),
        fc.uint8Array({ maxLength: 2048 }),
      ).map((body) => (typeof body === 'string' ? new TextEncoder().encode(body) : body)),
    });
  }

  #queryPair(p: Parameter, presence: 'always' | 'sometimes'): fc.Arbitrary<[string, unknown][]> {
    const pair = this.#values.valid(p.schema, 0, p.name).map((value): [string, unknown][] => [[p.name, value]]);
    return presence === 'always' ? pair : fc.option(pair, { nil: [] as [string, unknown][] });
  }

  #credentials(): fc.Arbitrary<Credentials> {
    const options: fc.WeightedArbitrary<Credentials>[] = [
      { weight: 12, arbitrary: fc.constant({ kind: 'admin' }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'none' }) },
      { weight: 2, arbitrary: fc.oneof(fc.constantFrom(...WRONG_AUTHORIZATION), fc.string({ maxLength: 60 }).map((s) => `Bearer sis_${s}`)).map((value) => ({ kind: 'header' as const, value })) },
    ];
    if (this.#options.keys) options.push({ weight: 4, arbitrary: fc.nat({ max: this.#options.keys - 1 }).map((index) => ({ kind: 'key' as const, index })) });
    return fc.oneof(...options);
  }
}

/** Client addresses in 127.0.0.0/8: a few fixed ones (which limits catch), most of them fresh. */
const clientAddress = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...FIXED_ADDRESSES) },
  { weight: 9, arbitrary: fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 4, max: 254 })).map(([a, b, c]) => `127.${a}.${b}.${c}`) },
);

/** Whether a URL can carry the value as a path segment (a known value is checked again when it is settled). */
const isSegment = (value: unknown) => value instanceof KnownRef || !NOT_A_SEGMENT.has(urlText(value));
