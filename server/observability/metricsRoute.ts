import { createHash, timingSafeEqual } from 'node:crypto';
import { Router } from 'express';
import { sendError } from '../http/errorResponses';
import { metricsRegistry } from './metrics';

/**
 * GET /metrics in Prometheus's text format. With METRICS_TOKEN set (required in production) only a
 * scraper presenting `Authorization: Bearer <token>` is answered; without it (development) anyone is.
 */
export function metricsRoute({ token }: { token: string | undefined }): Router {
  const router = Router();
  router.get('/metrics', async (req, res, next) => {
    if (token && !presents(req.headers.authorization, token)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      sendError(res, 'UNAUTHENTICATED', 'Send the metrics token: Authorization: Bearer <METRICS_TOKEN>.');
      return;
    }
    try {
      const text = await metricsRegistry.metrics();
      res.setHeader('Content-Type', metricsRegistry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(text);
    } catch (error) {
      next(error);
    }
  });
  return router;
}

function presents(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  // Compared as digests, so that neither the length nor the content leaks through timing.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(token));
}
