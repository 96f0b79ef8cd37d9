import type Stripe from 'stripe';
import { newId, newSecret } from '../store/ids';

export interface CheckoutSessionFields {
  mode: 'payment' | 'setup' | 'subscription';
  /** Null in setup mode without a currency. */
  currency: string | null;
  /** Null in setup mode, which charges nothing. */
  amountSubtotal: number | null;
  amountTotal: number | null;
  customer: string | null;
  customerEmail: string | null;
  clientReferenceId: string | null;
  metadata: Record<string, string>;
  successUrl: string | null;
  cancelUrl: string | null;
  created: number;
  expiresAt: number;
  customerCreation: 'always' | 'if_required' | null;
  paymentMethodCollection: 'always' | 'if_required' | null;
  publicUrl: string;
}

export function newCheckoutSession(fields: CheckoutSessionFields): Stripe.Checkout.Session {
  const id = newId('checkout.session');
  return {
    id,
    object: 'checkout.session',
    adaptive_pricing: null,
    after_expiration: null,
    allow_promotion_codes: null,
    allowed_payment_method_types: null,
    amount_subtotal: fields.amountSubtotal,
    amount_total: fields.amountTotal,
    automatic_tax: { enabled: false, liability: null, provider: null, status: null },
    billing_address_collection: null,
    cancel_url: fields.cancelUrl,
    client_reference_id: fields.clientReferenceId,
    client_secret: null,
    collected_information: null,
    consent: null,
    consent_collection: null,
    created: fields.created,
    currency: fields.currency,
    currency_conversion: null,
    custom_fields: [],
    custom_text: {
      after_submit: null,
      shipping_address: null,
      submit: null,
      terms_of_service_acceptance: null,
    },
    customer: fields.customer,
    customer_account: null,
    customer_creation: fields.customerCreation,
    customer_details: null,
    customer_email: fields.customerEmail,
    discounts: [],
    expires_at: fields.expiresAt,
    integration_identifier: null,
    invoice: null,
    invoice_creation: null,
    livemode: false,
    locale: null,
    managed_payments: null,
    metadata: fields.metadata,
    mode: fields.mode,
    origin_context: null,
    payment_intent: null,
    payment_link: null,
    payment_method_collection: fields.paymentMethodCollection,
    payment_method_configuration_details: null,
    payment_method_options: {},
    payment_method_types: ['card'],
    payment_status: 'unpaid',
    permissions: null,
    phone_number_collection: { enabled: false },
    recovered_from: null,
    saved_payment_method_options: null,
    setup_intent: null,
    shipping_address_collection: null,
    shipping_cost: null,
    shipping_options: [],
    status: 'open',
    submit_type: null,
    subscription: null,
    success_url: fields.successUrl,
    total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 },
    ui_mode: 'hosted',
    url: `${fields.publicUrl}/c/pay/${id}`,
    wallet_options: null,
  };
}

export function newCheckoutLineItem(
  price: Stripe.Price,
  quantity: number,
  productName: string,
): Stripe.LineItem {
  const amount = (price.unit_amount ?? 0) * quantity;
  return {
    id: newId('checkout_line_item'),
    object: 'item',
    adjustable_quantity: null,
    amount_discount: 0,
    amount_subtotal: amount,
    amount_tax: 0,
    amount_total: amount,
    currency: price.currency,
    description: productName,
    metadata: {},
    price: structuredClone(price),
    quantity,
  };
}

export interface PortalSessionFields {
  customer: string;
  returnUrl: string | null;
  configuration: string;
  created: number;
  publicUrl: string;
}

export function newPortalSession(fields: PortalSessionFields): Stripe.BillingPortal.Session {
  const id = newId('billing_portal.session');
  return {
    id,
    object: 'billing_portal.session',
    configuration: fields.configuration,
    created: fields.created,
    customer: fields.customer,
    customer_account: null,
    flow: null,
    livemode: false,
    locale: null,
    on_behalf_of: null,
    return_url: fields.returnUrl,
    url: `${fields.publicUrl}/p/session/${id}`,
  };
}

export function newTestClock(
  frozenTime: number,
  name: string | null,
  created: number,
): Stripe.TestHelpers.TestClock {
  return {
    id: newId('test_helpers.test_clock'),
    object: 'test_helpers.test_clock',
    created,
    // Stripe deletes test clocks 30 days after creation; the emulator keeps them until deleted.
    deletes_after: created + 30 * 86_400,
    frozen_time: frozenTime,
    livemode: false,
    name,
    status: 'ready',
    status_details: {},
  };
}

export interface WebhookEndpointFields {
  url: string;
  enabledEvents: string[];
  description: string | null;
  metadata: Record<string, string>;
  apiVersion: string | null;
  created: number;
}

export function newWebhookEndpoint(fields: WebhookEndpointFields): Stripe.WebhookEndpoint {
  return {
    id: newId('webhook_endpoint'),
    object: 'webhook_endpoint',
    api_version: fields.apiVersion,
    application: null,
    created: fields.created,
    description: fields.description,
    enabled_events: fields.enabledEvents,
    livemode: false,
    metadata: fields.metadata,
    secret: newSecret('whsec', 32),
    status: 'enabled',
    url: fields.url,
  };
}
