import { ForbiddenError } from '@sis/contracts';
import type { RequestHandler } from 'express';

/** Methods that only read: a cross-site page making a browser send one can change nothing. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses state-changing requests that a page of another site made the browser send (CSRF), for
 * routes where the browser adds credentials by itself (HTTP Basic). The request's Origin (or,
 * without one, its Referer) must name this host; a request with neither is refused too, since
 * every browser sends Origin on cross-site POSTs and scripts can set neither.
 */
export function sameOriginWrites(): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const source = req.get('origin') ?? req.get('referer');
    let host: string | undefined;
    try {
      host = source ? new URL(source).host : undefined;
    } catch {
      host = undefined;
    }
    if (host && host === req.get('host')) return next();
    next(new ForbiddenError('cross_origin_refused', `${req.method} here must come from a page of this site (Origin ${source ?? 'missing'})`));
  };
}
