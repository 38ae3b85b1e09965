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

/**
 * Resolves `Authorization: Bearer <token>` to a principal. No header leaves the request
 * anonymous (routes decide whether that is enough); a header that is malformed or names no key
 * is refused at once, so a typo never silently falls back to public access.
 */
export function authenticate(apiKeys: ApiKeyService): RequestHandler {
  return async (req, _res, next) => {
    const header = req.get('authorization');
    if (!header) return next();
    const token = bearerToken(req);
    if (!token) return next(new UnauthenticatedError('invalid_authorization', 'the Authorization header must be "Bearer <api key>"'));
    const principal = await apiKeys.authenticate(token);
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
