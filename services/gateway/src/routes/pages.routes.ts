import { fileURLToPath } from 'node:url';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { EmbedQueue } from '@sis/queue';
import express, { Router, type RequestHandler } from 'express';

/** The pages' files: plain HTML, CSS and ES modules, served as they are (no build, no CDN). */
const PUBLIC_DIR = fileURLToPath(new URL('../../public', import.meta.url));

/**
 * Bull Board's page links a web font from Google; everything sis serves must work offline and
 * tell no third party who is looking, so the link is taken out (system fonts are used instead).
 */
const withoutRemoteFonts: RequestHandler = (_req, res, next) => {
  const send = res.send.bind(res);
  res.send = (body?: unknown) => send(typeof body === 'string' ? body.replace(/<link[^>]*fonts\.googleapis\.com[^>]*>/g, '') : body);
  next();
};

/**
 * The web pages: the search page at `/`, the ops dashboard at `/dashboard` (they ask for a key
 * and call the API like any client), and Bull Board at `/admin/queues` behind admin auth.
 */
export interface PageRoutesOptions {
  /** Shown in Bull Board. */
  queue: EmbedQueue;
  /** Guards Bull Board, which a browser opens directly. */
  adminAuth: RequestHandler;
}

export function pageRoutes({ queue, adminAuth }: PageRoutesOptions): Router {
  const router = Router();
  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  // Bull Board runs an express app of its own, which would announce itself in X-Powered-By.
  board.getRouter().disable('x-powered-by');
  createBullBoard({ queues: [new BullMQAdapter(queue.queue)], serverAdapter: board, options: { uiConfig: { boardTitle: 'sis queues' } } });
  router.use('/admin/queues', adminAuth, withoutRemoteFonts, board.getRouter());

  router.get('/dashboard', (_req, res) => res.sendFile('dashboard.html', { root: PUBLIC_DIR }));
  router.use(express.static(PUBLIC_DIR, { index: 'index.html', maxAge: '5m' }));
  return router;
}
