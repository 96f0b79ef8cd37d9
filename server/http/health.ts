import { Router } from 'express';
import type { Database } from '../db/knex';
import { migrationStatus } from '../db/migrations';

/**
 * /healthz: the process is alive (for restarts). /readyz: it can serve traffic (for load balancers):
 * the database answers and every migration has run.
 */
export function healthRoutes({ database }: { database: Database }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      await database.raw('select 1');
      const { pending } = await migrationStatus(database);
      if (pending.length > 0) {
        res.status(503).json({ status: 'unavailable', reason: 'migrations pending', pending });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database unreachable' });
    }
  });
  return router;
}
