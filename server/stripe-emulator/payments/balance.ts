import type Stripe from 'stripe';
import type { Context } from '../context';
import { DAY, nowForCustomer } from '../billing/time';
import { newBalanceTransaction } from '../objects/payments';

/**
 * Stripe's standard card pricing (US): 2.9% of the amount plus 30 minor units. The percentage is rounded
 * to the nearest minor unit, half up, so a 2000 charge pays 58 + 30 = 88.
 */
export function processingFee(amount: number): number {
  return Math.round((amount * 29) / 1000) + 30;
}

/** Card funds reach the available balance two days after the charge (Stripe's standard US schedule), at 00:00 UTC. */
const AVAILABILITY_DELAY_DAYS = 2;

function availableOn(created: number): number {
  return Math.floor(created / DAY) * DAY + AVAILABILITY_DELAY_DAYS * DAY;
}

/**
 * Records the money a captured charge brought in: a `charge` balance transaction for the captured amount
 * less Stripe's fee, linked from `charge.balance_transaction`. Authorizations move no money, so an
 * uncaptured charge has none until it is captured.
 */
export function recordChargeFunds(ctx: Context, charge: Stripe.Charge): Stripe.BalanceTransaction {
  const transaction = ctx.store.insert(
    'balance_transaction',
    newBalanceTransaction({
      type: 'charge',
      amount: charge.amount_captured,
      fee: processingFee(charge.amount_captured),
      currency: charge.currency,
      description: charge.description,
      source: charge.id,
      created: charge.created,
      availableOn: availableOn(charge.created),
    }),
  );
  charge.balance_transaction = transaction.id;
  return transaction;
}

/**
 * Records the money a refund sends back: a `refund` balance transaction with a negative amount, taken
 * from the balance at once. Stripe keeps the original charge's fee, so the refund itself has none.
 */
export function recordRefundFunds(ctx: Context, refund: Stripe.Refund): Stripe.BalanceTransaction {
  const transaction = ctx.store.insert(
    'balance_transaction',
    newBalanceTransaction({
      type: 'refund',
      amount: -refund.amount,
      fee: 0,
      currency: refund.currency,
      description: null,
      source: refund.id,
      created: refund.created,
      availableOn: refund.created,
    }),
  );
  refund.balance_transaction = transaction.id;
  return transaction;
}

/**
 * A pending transaction becomes `available` once its `available_on` has passed, on the clock of the
 * customer its charge or refund belongs to.
 */
export function settleBalanceTransaction(ctx: Context, transaction: Stripe.BalanceTransaction): void {
  if (transaction.status !== 'pending') return;
  const source = typeof transaction.source === 'string' ? ctx.store.findById(transaction.source) : undefined;
  const customer = source && 'customer' in source ? (source.customer as string | null) : null;
  if (nowForCustomer(ctx.store, customer) >= transaction.available_on) {
    transaction.status = 'available';
    ctx.store.changed();
  }
}
