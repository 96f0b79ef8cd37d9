import express from 'express';
import type { Context } from '../context';
import { registerCheckoutPages } from './checkout';
import { registerInvoicePages } from './invoice';
import { registerPortalPages } from './portal';
import { registerThreeDSecurePages } from './three-d-secure';

/** All hosted pages; forms post `application/x-www-form-urlencoded`. */
export function createPagesRouter(ctx: Context): express.Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  registerCheckoutPages(router, ctx);
  registerPortalPages(router, ctx);
  registerInvoicePages(router, ctx);
  registerThreeDSecurePages(router, ctx);
  return router;
}
