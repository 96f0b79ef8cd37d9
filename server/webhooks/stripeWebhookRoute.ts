import express, { Router } from 'express';
import { sendError } from '../http/errorResponses';

/**
 * POST /webhooks/stripe. The body must stay the exact bytes Stripe signed, so this route reads it raw
 * (before any JSON parser) and hands it, with the Stripe-Signature header, to the receiver.
 */
export interface StripeWebhookReceiver {
  receive(delivery: {
    rawBody: Buffer;
    signature: string | undefined;
  }): Promise<{ status: number; body: unknown }>;
}

export function stripeWebhookRoute({ receiver }: { receiver: StripeWebhookReceiver | undefined }): Router {
  const router = Router();
  router.post('/webhooks/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res, next) => {
    try {
      if (!receiver) return sendError(res, 'INTERNAL', 'Stripe webhooks are not configured on this server.');
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const { status, body } = await receiver.receive({ rawBody, signature: req.header('stripe-signature') });
      res.status(status).json(body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
