import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import type {
  CheckoutPurpose,
  CreditGrantSource,
  InvoiceStatus,
  PaymentStatus,
  PaymentType,
  SubscriptionStatus,
} from './generated';

export { WebhookVerificationError };

/** Money as the events carry it: minor units of a lower-case ISO 4217 currency. */
export interface WebhookMoney {
  amount: number;
  currency: string;
}

export interface WebhookPlan {
  key: string;
  version: number;
  name: string;
}

export interface SubscriptionEventData {
  id: string;
  status: SubscriptionStatus;
  plan: WebhookPlan;
  quantity: number;
  currentPeriodStart: string;
  currentPeriodEnd: string | null;
  trialEnd: string | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: string | null;
  endedAt: string | null;
  /** The change waiting for the period end (a downgrade, fewer seats), or null. */
  scheduledChange: { plan: WebhookPlan; quantity: number; effectiveAt: string | null } | null;
}

export interface InvoiceEventData {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  subscriptionId: string | null;
  total: WebhookMoney;
  amountPaid: WebhookMoney;
  amountDue: WebhookMoney;
  periodStart: string | null;
  periodEnd: string | null;
  paidAt: string | null;
  hostedInvoiceUrl: string | null;
}

export interface WebhookPayment {
  id: string;
  type: PaymentType;
  status: PaymentStatus;
  amount: WebhookMoney;
  amountRefunded: WebhookMoney;
  description: string | null;
  milliCredits: number | null;
  invoiceId: string | null;
  subscriptionId: string | null;
  /** Charged without the customer present (renewals, automatic top-ups). */
  automatic: boolean;
  failureReason: string | null;
  completedAt: string | null;
}

export interface AccountEventData {
  id: string;
  externalId: string | null;
  name: string;
  billingEmail: string | null;
  currency: string;
  createdAt: string;
}

export interface CheckoutEventData {
  id: string;
  purpose: CheckoutPurpose;
  status: 'COMPLETED' | 'EXPIRED';
  plan: WebhookPlan | null;
  quantity: number;
  creditPackage: { key: string; credits: number; price: WebhookMoney } | null;
  completedAt: string | null;
}

export interface AutoTopUpEventData {
  payment: WebhookPayment;
  autoTopUp: {
    enabled: boolean;
    thresholdMilliCredits: number;
    consecutiveFailures: number;
    disabledReason: string | null;
  };
}

export interface EntitlementEventData {
  featureKey: string;
  kind: 'BOOLEAN' | 'LIMIT' | 'METERED' | 'CREDITS' | null;
  allowed: boolean;
  limit: number | null;
  used: number | null;
  remaining: number | null;
  softLimitPercent: number | null;
  plan: WebhookPlan;
  periodStart: string | null;
  periodEnd: string | null;
}

export interface RefundEventData {
  refund: {
    id: string;
    status: PaymentStatus;
    amount: WebhookMoney;
    failureReason: string | null;
    stripeRefundId: string | null;
    completedAt: string | null;
  };
  payment: WebhookPayment;
}

/**
 * What each event type carries in `data` (docs/partner-webhooks.md has an example of each). Times are
 * ISO 8601 strings, enum values capitals, credits milli-credits.
 */
export interface PartnerEventDataByType {
  'account.created': AccountEventData;
  'account.updated': AccountEventData;
  'checkout.completed': CheckoutEventData & { status: 'COMPLETED'; completedAt: string };
  'checkout.expired': CheckoutEventData & { status: 'EXPIRED'; completedAt: null };
  'subscription.created': SubscriptionEventData;
  'subscription.updated': SubscriptionEventData;
  'subscription.canceled': SubscriptionEventData;
  'subscription.trial_started': SubscriptionEventData;
  'subscription.trial_ending': SubscriptionEventData;
  'subscription.activated': SubscriptionEventData;
  'subscription.plan_changed': SubscriptionEventData & { previousPlan: WebhookPlan };
  'subscription.change_scheduled': SubscriptionEventData;
  'subscription.past_due': SubscriptionEventData;
  'subscription.resumed': SubscriptionEventData;
  'invoice.created': InvoiceEventData;
  'invoice.finalized': InvoiceEventData;
  'invoice.paid': InvoiceEventData;
  'invoice.voided': InvoiceEventData;
  'invoice.payment_failed': InvoiceEventData & { attemptCount: number };
  'payment.succeeded': WebhookPayment;
  'payment.failed': WebhookPayment;
  'payment.refunded': RefundEventData;
  'payment.refund_failed': RefundEventData;
  'credits.granted': {
    grant: {
      id: string;
      source: CreditGrantSource;
      amountMilliCredits: number;
      priority: number;
      expiresAt: string | null;
      description: string | null;
      paymentId: string | null;
      subscriptionId: string | null;
      createdAt: string;
    };
    balanceMilliCredits: number;
  };
  'credits.low_balance': { balanceMilliCredits: number; thresholdMilliCredits: number };
  'credits.depleted': { balanceMilliCredits: 0; ledgerEntryId: string; depletedAt: string | null };
  'credits.auto_top_up_succeeded': AutoTopUpEventData;
  'credits.auto_top_up_failed': AutoTopUpEventData;
  'credits.auto_top_up_disabled': AutoTopUpEventData;
  'entitlement.soft_limit_reached': EntitlementEventData;
  'entitlement.limit_reached': EntitlementEventData;
  'usage.threshold_crossed': {
    meter: { key: string; name: string; unit: string };
    /** 80 or 100: the share of the period's included quantity now used. */
    thresholdPercent: number;
    includedQuantity: number;
    usedQuantity: number;
    plan: { key: string; version: number; name: string };
    periodStart: string;
    /** Null for a lifetime plan's window, which does not end. */
    periodEnd: string | null;
  };
  'webhook.test': { endpointId: string; message: string };
}

export type PartnerEventType = keyof PartnerEventDataByType;

/** The event types an endpoint may subscribe to (`webhook.test` goes only where it is sent). */
export const PARTNER_EVENT_TYPES = [
  'checkout.completed',
  'checkout.expired',
  'account.created',
  'account.updated',
  'subscription.created',
  'subscription.updated',
  'subscription.canceled',
  'subscription.trial_started',
  'subscription.trial_ending',
  'subscription.activated',
  'subscription.plan_changed',
  'subscription.change_scheduled',
  'subscription.past_due',
  'subscription.resumed',
  'invoice.created',
  'invoice.finalized',
  'invoice.paid',
  'invoice.voided',
  'invoice.payment_failed',
  'payment.succeeded',
  'payment.failed',
  'payment.refunded',
  'payment.refund_failed',
  'credits.granted',
  'credits.low_balance',
  'credits.depleted',
  'credits.auto_top_up_succeeded',
  'credits.auto_top_up_failed',
  'credits.auto_top_up_disabled',
  'entitlement.soft_limit_reached',
  'entitlement.limit_reached',
  'usage.threshold_crossed',
] as const satisfies ReadonlyArray<Exclude<PartnerEventType, 'webhook.test'>>;

/**
 * One delivered event; narrow on `type` to get its `data`. `id` is the `webhook-id`, the same on every
 * retry and replay: handle each id once. `sequence` numbers one account's events 1, 2, 3...
 */
export type PartnerWebhookEvent = {
  [Type in PartnerEventType]: {
    id: string;
    type: Type;
    accountId: Type extends 'webhook.test' ? null : string;
    accountExternalId: string | null;
    sequence: Type extends 'webhook.test' ? null : number;
    createdAt: string;
    data: PartnerEventDataByType[Type];
  };
}[PartnerEventType];

/** Request headers as Node (`IncomingHttpHeaders`), the Fetch API (`Headers`) or a plain object hold them. */
export type WebhookHeaders =
  Headers | Record<string, string | readonly string[] | undefined> | Iterable<readonly [string, string]>;

/**
 * Checks a delivery's Standard Webhooks signature and timestamp (at most five minutes off) with the
 * endpoint's `whsec_` secret, and returns the event. `payload` must be the body exactly as received:
 * parsing and re-serialising it would change the bytes that were signed. Throws
 * WebhookVerificationError for anything not signed by that secret, too old, or not an event.
 */
export function verifyWebhook(
  payload: string | Uint8Array,
  headers: WebhookHeaders,
  secret: string,
): PartnerWebhookEvent {
  const body = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
  const event: unknown = new Webhook(secret).verify(body, webhookHeaders(headers));
  if (!isEvent(event)) throw new WebhookVerificationError('The payload is not a billing event');
  return event;
}

const SIGNED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

function webhookHeaders(headers: WebhookHeaders): Record<string, string> {
  const lookup = new Map<string, string>();
  const entries =
    Symbol.iterator in headers
      ? Array.from(headers as Iterable<readonly [string, string]>)
      : Object.entries(headers);
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    lookup.set(name.toLowerCase(), typeof value === 'string' ? value : value.join(' '));
  }
  return Object.fromEntries(
    SIGNED_HEADERS.flatMap((name) => (lookup.has(name) ? [[name, lookup.get(name)!]] : [])),
  );
}

function isEvent(value: unknown): value is PartnerWebhookEvent {
  if (typeof value !== 'object' || value === null) return false;
  const { id, type, data } = value as Record<string, unknown>;
  return typeof id === 'string' && typeof type === 'string' && typeof data === 'object' && data !== null;
}
