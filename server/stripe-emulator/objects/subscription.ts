import type Stripe from 'stripe';
import { newId } from '../store/ids';
import { planFromPrice } from './catalog';

export interface SubscriptionFields {
  customer: Stripe.Customer;
  currency: string;
  status: Stripe.Subscription.Status;
  created: number;
  billingCycleAnchor: number;
  trialStart: number | null;
  trialEnd: number | null;
  defaultPaymentMethod: string | null;
  collectionMethod: 'charge_automatically' | 'send_invoice';
  daysUntilDue: number | null;
  description: string | null;
  metadata: Record<string, string>;
  missingPaymentMethodBehaviour: 'cancel' | 'create_invoice' | 'pause';
  saveDefaultPaymentMethod: 'off' | 'on_subscription' | null;
}

export function newSubscription(fields: SubscriptionFields): Stripe.Subscription {
  const id = newId('subscription');
  const { customer } = fields;
  return {
    id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: fields.billingCycleAnchor,
    billing_cycle_anchor_config: null,
    billing_mode: { type: 'classic', flexible: null },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: fields.collectionMethod,
    created: fields.created,
    currency: fields.currency,
    customer: customer.id,
    customer_account: null,
    days_until_due: fields.daysUntilDue,
    default_payment_method: fields.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: fields.description,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: { object: 'list', data: [], has_more: false, url: `/v1/subscription_items?subscription=${id}` },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: fields.metadata,
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: fields.saveDefaultPaymentMethod,
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: fields.created,
    status: fields.status,
    test_clock: customer.test_clock
      ? typeof customer.test_clock === 'string'
        ? customer.test_clock
        : customer.test_clock.id
      : null,
    transfer_data: null,
    trial_end: fields.trialEnd,
    trial_settings: {
      end_behavior: {
        billing_cycle_anchor: 'now',
        missing_payment_method: fields.missingPaymentMethodBehaviour,
      },
    },
    trial_start: fields.trialStart,
  };
}

export interface SubscriptionItemFields {
  subscription: string;
  price: Stripe.Price;
  quantity: number;
  metadata: Record<string, string>;
  periodStart: number;
  periodEnd: number;
  created: number;
}

export function newSubscriptionItem(fields: SubscriptionItemFields): Stripe.SubscriptionItem {
  return {
    id: newId('subscription_item'),
    object: 'subscription_item',
    billing_thresholds: null,
    created: fields.created,
    current_period_end: fields.periodEnd,
    current_period_start: fields.periodStart,
    current_trial: null,
    discounts: [],
    metadata: fields.metadata,
    plan: planFromPrice(fields.price),
    price: structuredClone(fields.price),
    quantity: fields.quantity,
    subscription: fields.subscription,
    tax_rates: [],
  };
}
