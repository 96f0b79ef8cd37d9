import { fetchStripeCheckoutSession, type StripeCheckoutState } from './checkout';
import { stripe } from './client';
import { findStripeInvoiceOfPaymentIntent } from './invoices';
import { fetchPaymentIntentOutcome } from './paymentIntents';

/** What a PaymentIntent paid for, as far as Stripe's own objects tell. */
export type PaymentIntentPurpose =
  /** An automatic top-up: our payment row, named in the metadata we gave the intent. */
  | { kind: 'auto_top_up'; paymentId: string }
  /** A Checkout in payment mode (credit packages, lifetime plans). */
  | { kind: 'checkout'; checkout: StripeCheckoutState }
  /** An invoice (subscription charges, upgrades, seat changes). */
  | { kind: 'invoice'; stripeInvoiceId: string }
  /** Nothing we sold: a charge made by hand in Stripe's dashboard, say. */
  | { kind: 'none' };

export type StripePaymentIntentPurpose = Awaited<ReturnType<typeof fetchPaymentIntentOutcome>> & {
  stripeCustomerId: string | null;
  purpose: PaymentIntentPurpose;
};

/**
 * Finds what a PaymentIntent paid for, so that an event about money (a refund, say) can record the
 * payment itself when the event that records it normally has not arrived yet. Our metadata says which
 * kind of object to look for; the object itself is Stripe's.
 */
export async function fetchPaymentIntentPurpose(
  stripePaymentIntentId: string,
): Promise<StripePaymentIntentPurpose> {
  const outcome = await fetchPaymentIntentOutcome(stripePaymentIntentId);
  return { ...outcome, purpose: await purposeOf(outcome) };
}

async function purposeOf({
  stripePaymentIntentId,
  kind,
  paymentId,
  checkoutId,
}: Awaited<ReturnType<typeof fetchPaymentIntentOutcome>>): Promise<PaymentIntentPurpose> {
  if (kind === 'auto_top_up' && paymentId) return { kind: 'auto_top_up', paymentId };
  if (checkoutId) {
    const sessions = await stripe().checkout.sessions.list({
      payment_intent: stripePaymentIntentId,
      limit: 1,
    });
    const session = sessions.data[0];
    return session
      ? { kind: 'checkout', checkout: await fetchStripeCheckoutSession(session.id) }
      : { kind: 'none' };
  }
  const stripeInvoiceId = await findStripeInvoiceOfPaymentIntent(stripePaymentIntentId);
  return stripeInvoiceId ? { kind: 'invoice', stripeInvoiceId } : { kind: 'none' };
}
