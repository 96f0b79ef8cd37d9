import type Stripe from 'stripe';

/**
 * Every stored Stripe object, keyed by its `object` field. Objects are kept in exactly the shape the API
 * returns (the SDK's own types), so a retrieve is a copy of the stored object plus expansions.
 */
export interface ObjectTypes {
  customer: Stripe.Customer;
  product: Stripe.Product;
  price: Stripe.Price;
  payment_method: Stripe.PaymentMethod;
  subscription: Stripe.Subscription;
  invoice: Stripe.Invoice;
  invoiceitem: Stripe.InvoiceItem;
  invoice_payment: Stripe.InvoicePayment;
  payment_intent: Stripe.PaymentIntent;
  charge: Stripe.Charge;
  refund: Stripe.Refund;
  balance_transaction: Stripe.BalanceTransaction;
  setup_intent: Stripe.SetupIntent;
  'checkout.session': Stripe.Checkout.Session;
  'billing_portal.session': Stripe.BillingPortal.Session;
  event: Stripe.Event;
  webhook_endpoint: Stripe.WebhookEndpoint;
  'test_helpers.test_clock': Stripe.TestHelpers.TestClock;
}

export type ObjectKind = keyof ObjectTypes;

export const OBJECT_KINDS: ObjectKind[] = [
  'customer',
  'product',
  'price',
  'payment_method',
  'subscription',
  'invoice',
  'invoiceitem',
  'invoice_payment',
  'payment_intent',
  'charge',
  'refund',
  'balance_transaction',
  'setup_intent',
  'checkout.session',
  'billing_portal.session',
  'event',
  'webhook_endpoint',
  'test_helpers.test_clock',
];

/** Which stored kind an id belongs to, by prefix; used to resolve `expand[]`. */
export const KIND_BY_PREFIX: Record<string, ObjectKind> = {
  cus: 'customer',
  prod: 'product',
  price: 'price',
  pm: 'payment_method',
  sub: 'subscription',
  in: 'invoice',
  ii: 'invoiceitem',
  inpay: 'invoice_payment',
  pi: 'payment_intent',
  ch: 'charge',
  re: 'refund',
  txn: 'balance_transaction',
  seti: 'setup_intent',
  cs: 'checkout.session',
  bps: 'billing_portal.session',
  evt: 'event',
  we: 'webhook_endpoint',
  clock: 'test_helpers.test_clock',
};

/** How a saved test card behaves when charged; set when the payment method is created. */
export type CardBehaviour =
  | 'succeeds'
  | 'generic_decline'
  | 'insufficient_funds'
  | 'attach_then_fail'
  | 'requires_authentication'
  /** Declined with `expired_card`, also when attaching. */
  | 'expired_card'
  /** Charges succeed; a refund of them succeeds at first and fails some time later. */
  | 'refund_fails';

/** What a Checkout Session was created with that has no field on the session object itself. */
export interface CheckoutSessionExtras {
  lineItems: Stripe.LineItem[];
  subscriptionData: {
    trialPeriodDays: number | null;
    trialEnd: number | null;
    metadata: Record<string, string>;
    description: string | null;
    missingPaymentMethod?: 'cancel' | 'create_invoice' | 'pause';
  };
  paymentIntentData: {
    metadata: Record<string, string>;
    setupFutureUsage: 'on_session' | 'off_session' | null;
    description: string | null;
    /** Added later; sessions saved before have none (automatic capture, no shipping). */
    captureMethod?: 'automatic' | 'automatic_async' | 'manual';
    shipping?: Stripe.PaymentIntent.Shipping | null;
    receiptEmail?: string | null;
    statementDescriptor?: string | null;
    statementDescriptorSuffix?: string | null;
    transferGroup?: string | null;
  };
  /** What `setup_intent_data` asks of the SetupIntent a `setup` mode session makes. */
  setupIntentData?: { description: string | null; metadata: Record<string, string> };
  customerCreation: 'always' | 'if_required';
}

/** Bookkeeping for a subscription that Stripe keeps internally. */
export interface SubscriptionExtras {
  /** The trial end the `customer.subscription.trial_will_end` event was sent for (trials can be extended). */
  trialWillEndSentFor?: number;
  /**
   * A paused subscription that was asked to resume and whose resumption invoice is not settled yet: it
   * stays `paused` until that invoice is paid (or, with `resume_on_payment_attempt`, until a payment of
   * it is attempted or it is marked uncollectible).
   */
  pendingResumption?: {
    invoice: string;
    paymentBehavior: 'resume_on_payment_attempt' | 'resume_on_payment_success';
  };
}

/** A saved API response, replayed for a repeated Idempotency-Key. */
export interface IdempotentResponse {
  method: string;
  path: string;
  fingerprint: string;
  status: number;
  body: string;
  requestId: string;
  savedAt: number;
}

/** State that is not a Stripe object but must survive a restart with them. */
export interface Extras {
  checkoutSessions: Record<string, CheckoutSessionExtras>;
  subscriptions: Record<string, SubscriptionExtras>;
  cardBehaviours: Record<string, CardBehaviour>;
  /** Webhook endpoint secrets: the API only returns them once, on create. */
  webhookSecrets: Record<string, string>;
  idempotency: Record<string, IdempotentResponse>;
  /** Ids of deleted objects, by id, with their `object` name: Stripe answers `{ id, object, deleted: true }` for them. */
  deleted: Record<string, string>;
}

export function emptyExtras(): Extras {
  return {
    checkoutSessions: {},
    subscriptions: {},
    cardBehaviours: {},
    webhookSecrets: {},
    idempotency: {},
    deleted: {},
  };
}
