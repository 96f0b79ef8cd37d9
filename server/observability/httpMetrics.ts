import type { RequestHandler } from 'express';
import { httpRequestDuration, httpRequests } from './metrics';

/** The kind of route a path is, as a metric label: never the path itself, which holds ids. */
export function routeClassOf(path: string): string {
  if (path === '/graphql') return 'graphql';
  if (path === '/webhooks/stripe') return 'stripe_webhook';
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (path === '/metrics') return 'metrics';
  if (path.startsWith('/assets/') || /\.[a-z0-9]+$/i.test(path)) return 'static';
  return 'page';
}

/** Counts and times every request by route class, method and status. */
export function httpMetrics(): RequestHandler {
  return (req, res, next) => {
    const stopTimer = httpRequestDuration.startTimer();
    // Taken now: routers mounted on a path rewrite req.path while they handle the request.
    const route = routeClassOf(req.path);
    res.on('finish', () => {
      const method = req.method;
      stopTimer({ route, method });
      httpRequests.inc({ route, method, status: String(res.statusCode) });
    });
    next();
  };
}
