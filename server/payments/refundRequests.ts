import type { Actor } from '../auth/actor';
import { requirePlatformAdmin } from '../auth/authorization';
import { withIdempotency } from '../idempotency/idempotentRequests';
import { Payment } from './Payment';
import { refundPayment } from './refunds';

/**
 * refundPayment as the API asks for it, safe to retry under the caller's idempotency key: a retry, even
 * one that takes over after a crash, refunds once (decision 017), and answers the payment as it stands.
 */
export async function requestRefund({
  actor,
  idempotencyKey,
  ...input
}: {
  actor: Actor;
  paymentId: string;
  amount?: number | null;
  reason: string;
  idempotencyKey?: string | null;
}): Promise<Payment> {
  const { paymentId } = await withIdempotency({
    actor,
    idempotencyKey,
    operation: 'refundPayment',
    input,
    authorize: async () => requirePlatformAdmin(actor),
    work: async (attempt) => ({ paymentId: (await refundPayment({ actor, ...input, attempt })).id }),
  });
  const payment = await Payment.query().findById(paymentId);
  if (!payment) throw new Error(`Payment ${paymentId} vanished after its refund`);
  return payment;
}
