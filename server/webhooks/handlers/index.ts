import { handleChargeRefunded, handleRefundChanged } from './chargeEvents';
import { handleCheckoutAbandoned, handleCheckoutCompleted } from './checkoutEvents';
import { handleCustomerUpdated } from './customerEvents';
import {
  handleInvoiceChanged,
  handleInvoiceCreated,
  handleInvoicePaid,
  handleInvoicePaymentFailed,
} from './invoiceEvents';
import { handlePaymentIntent } from './paymentIntentEvents';
import { handleSubscriptionChanged, handleTrialWillEnd } from './subscriptionEvents';
import type { StripeEventHandler } from './types';

/** One handler per Stripe event type we act on. Other types are logged as ignored. */
export const STRIPE_EVENT_HANDLERS: Record<string, StripeEventHandler> = {
  'checkout.session.completed': handleCheckoutCompleted,
  'checkout.session.async_payment_succeeded': handleCheckoutCompleted,
  'checkout.session.async_payment_failed': handleCheckoutAbandoned,
  'checkout.session.expired': handleCheckoutAbandoned,
  'customer.subscription.created': handleSubscriptionChanged,
  'customer.subscription.updated': handleSubscriptionChanged,
  'customer.subscription.deleted': handleSubscriptionChanged,
  'customer.subscription.paused': handleSubscriptionChanged,
  'customer.subscription.resumed': handleSubscriptionChanged,
  'customer.subscription.trial_will_end': handleTrialWillEnd,
  'invoice.created': handleInvoiceCreated,
  'invoice.finalized': handleInvoiceChanged,
  'invoice.updated': handleInvoiceChanged,
  'invoice.voided': handleInvoiceChanged,
  'invoice.marked_uncollectible': handleInvoiceChanged,
  'invoice.payment_action_required': handleInvoiceChanged,
  'invoice.paid': handleInvoicePaid,
  'invoice.payment_failed': handleInvoicePaymentFailed,
  'customer.updated': handleCustomerUpdated,
  'payment_intent.succeeded': handlePaymentIntent,
  'payment_intent.payment_failed': handlePaymentIntent,
  'charge.refunded': handleChargeRefunded,
  'charge.refund.updated': handleRefundChanged,
  'refund.created': handleRefundChanged,
  'refund.updated': handleRefundChanged,
  'refund.failed': handleRefundChanged,
};
