import { randomUUID } from 'node:crypto';
import { KnownRef, type KnownValues } from './known-values.js';
import type { Operation } from './operations.js';
import type { ObservedResponse } from './oracle.js';
import type { FuzzRequest, RequestBody } from './requests.js';
import { NOT_A_SEGMENT, urlText } from './text.js';
import { DeepJson } from './values.js';

/** Where requests go and what they may carry. */
export interface Target {
  /** The gateway's base URL, on 127.0.0.0/8. */
  url: string;
  adminToken: string;
  /** Other keys; a request's `{ kind: 'key', index }` picks one. */
  keys: readonly string[];
  known: KnownValues;
  /** How long one request may take, in ms, before it counts as unanswered. */
  timeoutMs: number;
}

/** A request as it went out, for reports: secrets named, not shown; long values shortened. */
export interface SentRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** One request and its answer, or why there was none. */
export interface Exchange {
  sent: SentRequest;
  response?: ObservedResponse;
  /** Set when no response came: the connection failed or the time ran out. */
  error?: string;
  ms: number;
}

/**
 * Refuses any URL outside 127.0.0.0/8: the fuzzer sends destructive requests, and only ever to
 * a stack on this machine.
 * @throws Error naming the URL.
 */
export function assertLoopback(url: string): void {
  const { hostname } = new URL(url);
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)) throw new Error(`the fuzzer only sends requests to 127.0.0.0/8, not to ${hostname}: give the gateway as http://127.0.0.1:<port>`);
}

/** Sends one generated request to the target and reads the whole answer. */
export async function send(operation: Operation, request: FuzzRequest, target: Target): Promise<Exchange> {
  const { url, init, sent } = render(operation, request, target);
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(target.timeoutMs) });
    const text = await response.text();
    return { sent, response: { status: response.status, contentType: response.headers.get('content-type'), text }, ms: performance.now() - started };
  } catch (error) {
    const e = error as Error & { cause?: Error };
    return { sent, error: `no response: ${e.name === 'TimeoutError' ? `none within ${target.timeoutMs} ms` : `${e.message}${e.cause ? ` (${e.cause.message})` : ''}`}`, ms: performance.now() - started };
  }
}

function render(operation: Operation, request: FuzzRequest, target: Target): { url: string; init: RequestInit; sent: SentRequest } {
  const { known } = target;
  let path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    const generated = request.path[name];
    let text = urlText(known.settle(generated));
    // A value seen in a response may be one a URL cannot carry as a segment; what it stood in for can.
    if (NOT_A_SEGMENT.has(text) && generated instanceof KnownRef) text = urlText(generated.fallback);
    return encodeURIComponent(wellFormed(text));
  });
  if (request.trailingSlash && !path.endsWith('/')) path += '/';
  const pairs = request.query.map(([name, value]): [string, string] => [name, urlText(known.settle(value))]);
  const query = [new URLSearchParams(pairs).toString(), request.rawQuery].filter(Boolean).join('&');
  const pathAndQuery = query ? `${path}?${query}` : path;

  const headers: Record<string, string> = { ...request.headers };
  const shown: Record<string, string> = { ...request.headers };
  const { credentials } = request;
  if (credentials.kind === 'admin') {
    headers.authorization = `Bearer ${target.adminToken}`;
    shown.authorization = 'Bearer <admin token>';
  } else if (credentials.kind === 'key' && target.keys.length) {
    headers.authorization = `Bearer ${target.keys[credentials.index % target.keys.length]}`;
    shown.authorization = `Bearer <key ${credentials.index % target.keys.length}>`;
  } else if (credentials.kind === 'header') {
    headers.authorization = credentials.value;
    shown.authorization = abbreviate(credentials.value);
  }
  if (request.clientAddress) headers['x-forwarded-for'] = shown['x-forwarded-for'] = request.clientAddress;
  const settled = request.body && settleBody(request.body, known);
  const body = settled && encodeBody(settled);
  if (body?.contentType !== undefined) headers['content-type'] = shown['content-type'] = body.contentType;
  return {
    url: `${target.url}${pathAndQuery}`,
    init: { method: operation.method, headers, ...(body ? { body: body.payload } : {}) },
    sent: { method: operation.method, url: abbreviate(pathAndQuery, 400), headers: shown, ...(settled ? { body: describeBody(settled) } : {}) },
  };
}

function settleBody(body: RequestBody, known: KnownValues): RequestBody {
  if (body.kind === 'json') return { ...body, value: known.settle(body.value) };
  if (body.kind === 'form') return { ...body, fields: body.fields.map(([name, value]) => [name, urlText(known.settle(value), Infinity)]) };
  return body;
}

function encodeBody(body: RequestBody): { payload: NonNullable<RequestInit['body']>; contentType: string | undefined } {
  switch (body.kind) {
    case 'json':
      return { payload: jsonText(body.value), contentType: body.contentType };
    case 'text':
      return { payload: body.text, contentType: body.contentType };
    case 'bytes':
      return { payload: body.bytes, contentType: body.contentType };
    case 'form': {
      const form = new FormData();
      for (const [name, value] of body.fields) form.append(name, urlText(value, Infinity));
      for (const file of body.files) form.append(file.field, new Blob([file.bytes], { type: file.contentType }), file.filename);
      // fetch writes the content type, with the boundary it chose.
      return { payload: form, contentType: undefined };
    }
  }
}

/** A body as a report shows it. */
function describeBody(body: RequestBody): string {
  switch (body.kind) {
    case 'json':
      return abbreviate(JSON.stringify(body.value, (_key, value: unknown) => (typeof value === 'string' ? abbreviate(value, 120) : value instanceof DeepJson ? `<JSON ${value.depth} levels deep>` : value)) ?? '', 2000);
    case 'text':
      return `text ${abbreviate(JSON.stringify(body.text), 300)}`;
    case 'bytes':
      return `${body.bytes.length} bytes ${abbreviate(JSON.stringify(new TextDecoder().decode(body.bytes.slice(0, 200))), 300)}`;
    case 'form':
      return [
        ...body.fields.map(([name, value]) => `${JSON.stringify(name)}=${abbreviate(JSON.stringify(urlText(value, Infinity)), 120)}`),
        ...body.files.map((f) => `${JSON.stringify(f.field)}=@${abbreviate(JSON.stringify(f.filename), 80)} (${f.contentType || 'no type'}, ${f.bytes.length} bytes)`),
      ].join(' ') || 'empty form';
  }
}

/** Stands in for a DeepJson while the rest is stringified; nothing generated can contain it. */
const DEEP_MARK = `deep-json-${randomUUID()}-`;

/** A value as JSON text, each DeepJson written out by itself (JSON.stringify would recurse as deep as it goes). */
function jsonText(value: unknown): string {
  const deep: DeepJson[] = [];
  const text = JSON.stringify(value, (_key, inner: unknown) => (inner instanceof DeepJson ? `${DEEP_MARK}${deep.push(inner) - 1}` : inner)) ?? '';
  return deep.length ? text.replace(new RegExp(`"${DEEP_MARK}(\\d+)"`, 'g'), (_, index: string) => deep[Number(index)]!.text()) : text;
}

/** Long text cut in the middle of a report line, saying how long it was. */
export function abbreviate(text: string, length = 200): string {
  return text.length > length ? `${text.slice(0, length)}…(${text.length} chars)` : text;
}

/** Lone surrogates become U+FFFD: a URL carries UTF-8, which cannot hold them (and encodeURIComponent throws on them). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
