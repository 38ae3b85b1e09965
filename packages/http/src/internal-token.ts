import { createHash, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '@sis/contracts';
import type { RequestHandler } from 'express';

/** The header a service shows another of sis's services. */
export const INTERNAL_TOKEN_HEADER = 'x-internal-token';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * Lets through only requests that show the shared internal secret (INTERNAL_TOKEN), for services
 * only the gateway should call once they listen beyond loopback. Compared in constant time.
 */
export function requireInternalToken(token: string): RequestHandler {
  const expected = digest(token);
  return (req, _res, next) => {
    const shown = req.get(INTERNAL_TOKEN_HEADER);
    if (shown && timingSafeEqual(digest(shown), expected)) return next();
    next(new UnauthenticatedError('internal_token_required', `this service answers only sis's gateway (send ${INTERNAL_TOKEN_HEADER})`));
  };
}
