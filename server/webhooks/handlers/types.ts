import type { Knex } from 'knex';
import type Stripe from 'stripe';

export interface HandlerContext {
  trx: Knex.Transaction;
  event: Stripe.Event;
}

/**
 * The account the event concerned, and, when it changed nothing, why (a customer that is not ours, a
 * charge that paid for nothing we sold). An event that concerns something of ours either has its effect
 * or throws, so that Stripe delivers it again: it never passes as handled with no effect.
 */
export type HandlerResult = { accountId: string | null; ignored?: string };

export type StripeEventHandler = (context: HandlerContext) => Promise<HandlerResult>;

export const ignored = (reason: string, accountId: string | null = null): HandlerResult => ({
  accountId,
  ignored: reason,
});
