import { createHash } from 'node:crypto';
import { ForbiddenError, UnauthenticatedError, type Scope } from '@sis/contracts';
import type { Request, RequestHandler } from 'express';
import type { ApiKeyService, Principal } from '../services/api-key.service.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- express's own augmentation point
  namespace Express {
    interface Request {
      /** Who is calling, when a valid bearer token was sent. */
      principal?: Principal;
    }
  }
}

/** How long a token that authenticated stays proven for its address: the failure limit's window. */
const PROVEN_FOR_MS = 60_000;
/** The most proofs a replica remembers; past it, the stalest is forgotten. */
const MAX_PROVEN = 10_000;

/**
 * Bearer tokens that authenticated on this replica lately, each with the address it came from.
 * A request whose token is proven for its own address cannot be a guess, so the
 * failed-authentication limit lets it pass uncounted: no Redis round trips for it, and guesses
 * from a shared address do not lock out the keys already in use there. Proof is per address:
 * proven everywhere, a locked-out address could test its guesses against the tokens others use.
 */
export class ProvenTokens {
  /** Hash of address and token, and until when (performance.now()) it counts; oldest proof first. */
  readonly #until = new Map<string, number>();

  /** Whether the request's bearer token has authenticated from the request's address lately. */
  has(req: Request): boolean {
    const token = bearerToken(req);
    return token !== undefined && (this.#until.get(proofKey(req, token)) ?? 0) > performance.now();
  }

  /** Records how authenticating the request's `token` went. */
  record(req: Request, token: string, authenticated: boolean): void {
    const key = proofKey(req, token);
    const now = performance.now();
    if (!authenticated) this.#until.delete(key);
    else if ((this.#until.get(key) ?? 0) < now + PROVEN_FOR_MS / 2) {
      // Re-inserted, so the map stays in order of proof and its first entry is the stalest.
      this.#until.delete(key);
      this.#until.set(key, now + PROVEN_FOR_MS);
      if (this.#until.size > MAX_PROVEN) this.#until.delete(this.#until.keys().next().value!);
    }
  }
}

/** Neither the token nor the address is kept, only a hash of both. */
function proofKey(req: Request, token: string): string {
  return createHash('sha256').update(req.ip ?? '').update('\n').update(token).digest('base64url');
}

/**
 * Resolves `Authorization: Bearer <token>` to a principal. No header leaves the request
 * anonymous (routes decide whether that is enough); a header that is malformed or names no key
 * is refused at once, so a typo never silently falls back to public access. With `proven`, how
 * each token fared is recorded there.
 */
export function authenticate(apiKeys: ApiKeyService, proven?: ProvenTokens): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const token = bearerToken(req);
    if (!token) return next(new UnauthenticatedError('invalid_authorization', 'the Authorization header must be "Bearer <api key>"'));
    const principal = await apiKeys.authenticate(token);
    proven?.record(req, token, principal !== undefined);
    if (!principal) return next(new UnauthenticatedError('invalid_api_key', 'the API key is not valid (unknown or revoked)'));
    req.principal = principal;
    next();
  };
}

/** The token of an `Authorization: Bearer <token>` header, if the request has one. */
export function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '')?.[1];
}

/**
 * Lets the request through when its principal has `scope` (admin has every scope). With
 * `publicRead`, read routes need no key at all.
 */
export function requireScope(scope: Scope, options: { publicRead?: boolean } = {}): RequestHandler {
  return (req, _res, next) => {
    const principal = req.principal;
    if (!principal) {
      if (scope === 'read' && options.publicRead) return next();
      return next(new UnauthenticatedError('missing_api_key', 'send an API key as "Authorization: Bearer <key>"'));
    }
    if (principal.scopes.includes(scope) || principal.scopes.includes('admin')) return next();
    next(new ForbiddenError('insufficient_scope', `this needs the ${scope} scope; the key has ${principal.scopes.join(', ')}`));
  };
}

/**
 * The original service's guard, for its routes: the admin password (ADMIN_PW) or a key with the
 * scope. Any problem is the original's bare 401 "Unauthorized".
 */
export function requireLegacyScope(scope: Scope, authenticateRequest: RequestHandler): RequestHandler {
  return (req, res, next) =>
    authenticateRequest(req, res, (error?: unknown) => {
      const scopes = req.principal?.scopes ?? [];
      if (error || !(scopes.includes(scope) || scopes.includes('admin'))) return next(new UnauthenticatedError('unauthorized', 'Unauthorized'));
      next();
    });
}
