import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Sha256 } from '@smithy/core/checksum';
import { SignatureV4 } from '@smithy/signature-v4';
import { S3AuthError } from './s3-auth-error.js';

/** How far a header-signed request's x-amz-date may be from this clock, as S3 allows: 15 minutes. */
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** The longest life S3 lets a presigned URL claim: 7 days, in seconds. */
const S3_MAX_PRESIGN_SECONDS = 604_800;

const ALGORITHM = 'AWS4-HMAC-SHA256';
/** The query parameters that carry a presigned URL's signature; everything else in the query is signed. */
const SIGNATURE_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature'] as const;
const PAYLOAD_HASH_HEADER = 'x-amz-content-sha256';
const PAYLOAD_HASH_PARAM = 'X-Amz-Content-Sha256';
/** What a presigned URL signs in place of a body it cannot know. */
const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

export interface SigV4Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface SigV4VerifierOptions {
  /** The access keys this server knows; a request signed with any other is refused. */
  credentials: readonly SigV4Credentials[];
}

/** What verify() reads of a request; node's IncomingMessage is one. */
export interface ReceivedRequest {
  method?: string | undefined;
  /** The request target exactly as received: path and query, still percent-encoded. */
  url?: string | undefined;
  headers: IncomingHttpHeaders;
}

type Query = Record<string, string | string[]>;

/**
 * Checks S3 requests' Signature Version 4, in an Authorization header or in a presigned URL, the
 * way S3 does: it signs the request it received again, with the AWS SDK's own signer and the
 * secret key of the claimed access key, and compares. Only what the client said it signed goes
 * in (its signed headers, as received), so any change to the method, path, query or a signed
 * header (host, content type, content length) after signing is a different signature.
 *
 * The body's hash is taken as the client declares it (x-amz-content-sha256) and not checked
 * against the bytes; presigned URLs sign no body at all, as on S3.
 *
 * ### Examples
 * ```ts
 * const verifier = new SigV4Verifier({ credentials: [{ accessKeyId: 'AK', secretAccessKey: 'SK' }] });
 * http.createServer(async (req, res) => {
 *   await verifier.verify(req); // throws S3AuthError: 403 SignatureDoesNotMatch, AccessDenied, …
 * });
 * ```
 */
export class SigV4Verifier {
  readonly #secrets: ReadonlyMap<string, string>;

  constructor(options: SigV4VerifierOptions) {
    this.#secrets = new Map(options.credentials.map((c) => [c.accessKeyId, c.secretAccessKey]));
  }

  /**
   * Resolves when the request carries a valid signature by a known key, unexpired.
   * @throws S3AuthError naming S3's error code; anonymous requests are refused (AccessDenied).
   */
  async verify(request: ReceivedRequest): Promise<void> {
    const target = request.url ?? '/';
    const mark = target.indexOf('?');
    const path = mark < 0 ? target : target.slice(0, mark);
    const query = parseQuery(mark < 0 ? '' : target.slice(mark + 1));
    const method = request.method ?? 'GET';
    const authorization = header(request.headers, 'authorization');
    const presigned = 'X-Amz-Algorithm' in query;
    if (authorization !== undefined && presigned) {
      throw new S3AuthError('InvalidArgument', 'Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or the Authorization header should be specified');
    }
    if (authorization !== undefined) return this.#verifyHeader(method, path, query, request.headers, authorization);
    if (presigned) return this.#verifyPresigned(method, path, query, request.headers);
    throw new S3AuthError('AccessDenied', 'Access Denied: requests must be signed (AWS Signature Version 4)');
  }

  async #verifyHeader(method: string, path: string, query: Query, headers: IncomingHttpHeaders, authorization: string): Promise<void> {
    const fields = parseAuthorization(authorization);
    const signer = this.#signer(fields.credential, 'AuthorizationHeaderMalformed');
    const signedHeaders = this.#signedHeaders(fields.signedHeaders, 'AuthorizationHeaderMalformed');
    const amzDate = header(headers, 'x-amz-date');
    const signingDate = amzDate === undefined ? undefined : parseAmzDate(amzDate);
    if (!signingDate) throw new S3AuthError('AccessDenied', 'AWS authentication requires a valid x-amz-date header');
    if (Math.abs(Date.now() - signingDate.getTime()) > MAX_CLOCK_SKEW_MS) {
      throw new S3AuthError('RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.');
    }
    if (header(headers, PAYLOAD_HASH_HEADER) === undefined) throw new S3AuthError('InvalidRequest', `Missing required header for this request: ${PAYLOAD_HASH_HEADER}`);

    const signed = await signer.sign(
      { ...addressOf(headers), method, path, query, headers: pick(headers, signedHeaders) },
      { signingDate, signableHeaders: new Set(signedHeaders) },
    );
    compareSignatures(/Signature=([0-9a-f]+)$/.exec(String(signed.headers.authorization))?.[1], fields.signature);
  }

  async #verifyPresigned(method: string, path: string, query: Query, headers: IncomingHttpHeaders): Promise<void> {
    const [algorithm, credential, date, expires, signedHeaderList, signature] = SIGNATURE_PARAMS.map((name) => single(query[name]));
    if (algorithm !== ALGORITHM) throw new S3AuthError('AuthorizationQueryParametersError', `X-Amz-Algorithm only supports "${ALGORITHM}"`);
    if (credential === undefined || date === undefined || expires === undefined || signedHeaderList === undefined || signature === undefined) {
      throw new S3AuthError('AuthorizationQueryParametersError', `Query-string authentication version 4 requires the ${SIGNATURE_PARAMS.join(', ')} parameters.`);
    }
    const signer = this.#signer(credential, 'AuthorizationQueryParametersError');
    const signedHeaders = this.#signedHeaders(signedHeaderList, 'AuthorizationQueryParametersError');
    const signingDate = parseAmzDate(date);
    if (!signingDate) throw new S3AuthError('AuthorizationQueryParametersError', "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"");
    const expiresIn = /^\d{1,7}$/.test(expires) ? Number(expires) : Number.NaN;
    if (!(expiresIn >= 1 && expiresIn <= S3_MAX_PRESIGN_SECONDS)) {
      throw new S3AuthError('AuthorizationQueryParametersError', `X-Amz-Expires must be a whole number of seconds from 1 to ${S3_MAX_PRESIGN_SECONDS}`);
    }
    if (Date.now() > signingDate.getTime() + expiresIn * 1000) throw new S3AuthError('AccessDenied', 'Request has expired');

    const rest: Query = { ...query };
    for (const name of SIGNATURE_PARAMS) delete rest[name];
    // The SDK's presigner signs the payload hash it also writes into the query; presign() reads it
    // from a header, so it goes in as one that is neither signed nor moved into the query.
    const payloadHash = single(rest[PAYLOAD_HASH_PARAM]) ?? UNSIGNED_PAYLOAD;
    const signed = await signer.presign(
      { ...addressOf(headers), method, path, query: rest, headers: { [PAYLOAD_HASH_HEADER]: payloadHash, ...pick(headers, signedHeaders) } },
      {
        signingDate,
        expiresIn,
        signableHeaders: new Set(signedHeaders),
        unsignableHeaders: new Set([PAYLOAD_HASH_HEADER]),
        // Signed x-amz-* headers were sent as headers; presign() would otherwise move them into the query.
        unhoistableHeaders: new Set([...signedHeaders, PAYLOAD_HASH_HEADER]),
      },
    );
    compareSignatures(single(signed.query?.['X-Amz-Signature']), signature);
  }

  /** The signer for the access key and region a credential scope names: `AKID/yyyymmdd/region/s3/aws4_request`. */
  #signer(scope: string, malformed: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): SignatureV4 {
    const parts = scope.split('/');
    const [accessKeyId, , region] = parts;
    if (parts.length !== 5 || parts[4] !== 'aws4_request' || !accessKeyId || !region) {
      throw new S3AuthError(malformed, `the credential must be <access key>/<date>/<region>/s3/aws4_request, not "${scope}"`);
    }
    const secretAccessKey = this.#secrets.get(accessKeyId);
    if (secretAccessKey === undefined) throw new S3AuthError('InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    // The SDK's S3 signer signs a path as sent: S3 does not escape it a second time.
    return new SignatureV4({ credentials: { accessKeyId, secretAccessKey }, region, service: 's3', sha256: Sha256, uriEscapePath: false });
  }

  /** The signed header names; host must be one, so a request is bound to the address it was signed for. */
  #signedHeaders(list: string, malformed: 'AuthorizationHeaderMalformed' | 'AuthorizationQueryParametersError'): string[] {
    const names = list.split(';').map((name) => name.trim().toLowerCase());
    if (!names.includes('host')) throw new S3AuthError(malformed, 'the signed headers must include host');
    return names;
  }
}

/** Protocol and hostname, which the request type demands; the signer itself reads only the host header. */
function addressOf(headers: IncomingHttpHeaders): { protocol: string; hostname: string } {
  return { protocol: 'http:', hostname: (header(headers, 'host') ?? '').replace(/:\d+$/, '') };
}

function compareSignatures(expected: string | undefined, provided: string): void {
  const a = Buffer.from(expected ?? '');
  const b = Buffer.from(provided);
  if (a.length === 0 || a.length !== b.length || !timingSafeEqual(a, b)) {
    throw new S3AuthError('SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided. Check your key and signing method.');
  }
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, commas with or without spaces. */
function parseAuthorization(authorization: string): { credential: string; signedHeaders: string; signature: string } {
  const space = authorization.indexOf(' ');
  if (space < 0 || authorization.slice(0, space) !== ALGORITHM) {
    throw new S3AuthError('AuthorizationHeaderMalformed', `the authorization header must use ${ALGORITHM} (Signature Version 4)`);
  }
  const fields = new Map(
    authorization
      .slice(space + 1)
      .split(',')
      .map((field) => {
        const eq = field.indexOf('=');
        return [field.slice(0, eq).trim(), field.slice(eq + 1).trim()] as const;
      }),
  );
  const credential = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signedHeaders || !signature) {
    throw new S3AuthError('AuthorizationHeaderMalformed', 'The authorization header requires three components: Credential, SignedHeaders, and Signature.');
  }
  return { credential, signedHeaders, signature };
}

/** `yyyymmddThhmmssZ`, the only date form SigV4 signs. */
function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** Decoded names and values; a repeated name keeps all its values, as SigV4 signs them all. */
function parseQuery(raw: string): Query {
  const query: Query = {};
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    const seen = query[name];
    query[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return query;
}

function decode(component: string): string {
  try {
    return decodeURIComponent(component);
  } catch {
    throw new S3AuthError('InvalidArgument', `the query string holds invalid percent-encoding: "${component}"`);
  }
}

function single(value: string | string[] | null | undefined): string | undefined {
  return Array.isArray(value) ? undefined : (value ?? undefined);
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Only the named headers, as received: what the client signed is all that is signed again. */
function pick(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = header(headers, name);
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}
