import { Payment } from '../payments/Payment';
import { listSucceededStripeChargesSince } from '../stripe/charges';
import { findStripeInvoiceOfPaymentIntent } from '../stripe/invoices';
import { findStripeRefund, listStripeRefundsSince, type StripeRefundState } from '../stripe/refunds';
import type { Difference } from './ledgerChecks';
import { accountsOfPaymentIntents, accountsOfStripeCustomers } from './ownership';

/**
 * Every charge Stripe made of one of our customers since `since` is a payment here: found by its
 * PaymentIntent, by our payment id in its metadata (an automatic top-up still settling), or by the
 * invoice it paid (subscription payments recorded before payments kept their PaymentIntent).
 */
export async function stripeChargesAreRecorded({
  since,
}: {
  since: Date;
}): Promise<{ differences: Difference[]; checked: number }> {
  const charges = await listSucceededStripeChargesSince(since);
  const accounts = await accountsOfStripeCustomers(charges.map((charge) => charge.stripeCustomerId));
  const ours = charges.filter((charge) => accounts.has(charge.stripeCustomerId ?? ''));
  const intents = ours.flatMap((charge) =>
    charge.stripePaymentIntentId ? [charge.stripePaymentIntentId] : [],
  );
  const recorded = await Payment.query()
    .whereNot('type', 'refund')
    .where((query) =>
      query.whereIn('stripePaymentIntentId', intents).orWhereIn(
        'id',
        ours.flatMap((charge) => uuidOrNothing(charge.metadataPaymentId)),
      ),
    )
    .select('id', 'stripePaymentIntentId');
  const known = new Set<string>(
    recorded.flatMap((payment) => [
      payment.id,
      ...(payment.stripePaymentIntentId ? [payment.stripePaymentIntentId] : []),
    ]),
  );

  const differences: Difference[] = [];
  for (const charge of ours) {
    if ([charge.stripePaymentIntentId, charge.metadataPaymentId].some((id) => id && known.has(id))) continue;
    if (charge.stripePaymentIntentId && (await paidInvoiceIsRecorded(charge.stripePaymentIntentId))) continue;
    differences.push({
      check: 'Stripe charge has a payment here',
      accountId: accounts.get(charge.stripeCustomerId!)!,
      subject: `charge ${charge.stripeChargeId} (${charge.stripePaymentIntentId ?? 'no PaymentIntent'})`,
      expected: charge.amount,
      actual: 'none',
    });
  }
  return { differences, checked: ours.length };
}

/** Stripe's status of a refund recorded here with our status. */
const STRIPE_REFUND_STATUS: Record<string, string> = {
  completed: 'succeeded',
  failed: 'failed',
  cancelled: 'canceled',
};

/**
 * Every refund Stripe made since `since` of a charge of ours is recorded here, for the same amount, and
 * every refund recorded here since then exists in Stripe and went through.
 */
export async function stripeRefundsMatch({
  since,
}: {
  since: Date;
}): Promise<{ differences: Difference[]; checked: number }> {
  const inStripe = (await listStripeRefundsSince(since)).filter((refund) => refund.status === 'succeeded');
  const byCustomer = await accountsOfStripeCustomers(inStripe.map((refund) => refund.stripeCustomerId));
  const byIntent = await accountsOfPaymentIntents(
    inStripe
      .filter((refund) => !byCustomer.has(refund.stripeCustomerId ?? ''))
      .map((refund) => refund.stripePaymentIntentId),
  );
  const accountOf = (refund: StripeRefundState) =>
    byCustomer.get(refund.stripeCustomerId ?? '') ?? byIntent.get(refund.stripePaymentIntentId ?? '');
  const ours = inStripe.filter((refund) => accountOf(refund) !== undefined);
  const here = await Payment.query()
    .where({ type: 'refund' })
    .where((query) =>
      query
        .whereIn(
          'stripeRefundId',
          ours.map((refund) => refund.stripeRefundId),
        )
        .orWhere('createdAt', '>=', since),
    );
  const hereByStripeId = new Map(here.map((refund) => [refund.stripeRefundId, refund]));
  const stripeById = new Map(inStripe.map((refund) => [refund.stripeRefundId, refund]));

  const differences: Difference[] = [];
  for (const refund of ours) {
    const recorded = hereByStripeId.get(refund.stripeRefundId);
    if (recorded?.amount === refund.amount) continue;
    differences.push({
      check: recorded ? 'refund amount matches Stripe' : 'Stripe refund is recorded here',
      accountId: accountOf(refund)!,
      subject: `refund ${refund.stripeRefundId} (${refund.stripePaymentIntentId ?? 'no PaymentIntent'})`,
      expected: refund.amount,
      actual: recorded?.amount ?? 'none',
    });
  }
  // Refunds recorded here that Stripe did not list (made before the window, or not succeeded there).
  for (const recorded of here.filter((row) => !stripeById.has(row.stripeRefundId!))) {
    const refund = recorded.stripeRefundId ? await findStripeRefund(recorded.stripeRefundId) : null;
    const subject = `refund ${recorded.stripeRefundId ?? recorded.id}`;
    const difference = !refund
      ? { check: 'refund exists in Stripe', expected: 'a refund', actual: 'none' }
      : refund.status !== STRIPE_REFUND_STATUS[recorded.status]
        ? {
            check: 'refund status matches Stripe',
            expected: refund.status ?? 'unknown',
            actual: recorded.status,
          }
        : refund.amount !== recorded.amount
          ? { check: 'refund amount matches Stripe', expected: refund.amount, actual: recorded.amount }
          : null;
    if (difference) differences.push({ ...difference, accountId: recorded.accountId, subject });
  }
  const compared = new Set([
    ...ours.map((refund) => refund.stripeRefundId),
    ...here.map((row) => row.stripeRefundId),
  ]);
  return { differences, checked: compared.size };
}

async function paidInvoiceIsRecorded(stripePaymentIntentId: string): Promise<boolean> {
  const stripeInvoiceId = await findStripeInvoiceOfPaymentIntent(stripePaymentIntentId);
  if (!stripeInvoiceId) return false;
  return Boolean(await Payment.query().findOne({ stripeInvoiceId }).whereNot('type', 'refund'));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function uuidOrNothing(value: string | null): string[] {
  return value && UUID.test(value) ? [value] : [];
}
