import type { Knex } from 'knex';
import type Stripe from 'stripe';

export interface HandlerContext {
  trx: Knex.Transaction;
  event: Stripe.Event;
}

/** The account the event concerned, or why it was ignored (a customer that is not ours, say). */
export type HandlerResult = { accountId: string } | { accountId: null; ignored: string };

export type StripeEventHandler = (context: HandlerContext) => Promise<HandlerResult>;

export const notOurs = (what: string): HandlerResult => ({
  accountId: null,
  ignored: `${what} belongs to no account of ours`,
});
