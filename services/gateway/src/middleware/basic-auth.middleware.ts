import type { RequestHandler } from 'express';
import type { ApiKeyService } from '../services/api-key.service.js';

/**
 * HTTP Basic authentication for pages a browser opens directly (Bull Board), where no script
 * can add a bearer header: the password is the admin token or a key with the admin scope; the
 * user name is ignored.
 */
export function basicAdminAuth(keys: ApiKeyService): RequestHandler {
  return async (req, res, next) => {
    const match = /^Basic\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    const password = match ? Buffer.from(match[1]!, 'base64').toString('utf8').split(':').slice(1).join(':') : '';
    const principal = password ? await keys.authenticate(password) : undefined;
    if (principal?.scopes.includes('admin')) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="sis admin", charset="UTF-8"');
    res.status(401).type('text/plain').send('sis admin: the password is the admin token or an API key with the admin scope');
  };
}
