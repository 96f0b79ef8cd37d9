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
  completedAt: string | null;
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
  'account.created': {
    id: string;
    externalId: string | null;
    name: string;
    billingEmail: string | null;
    currency: string;
    createdAt: string;
  };
  'checkout.completed': {
    id: string;
    purpose: CheckoutPurpose;
    status: 'COMPLETED';
    plan: WebhookPlan | null;
    quantity: number;
    creditPackage: { key: string; credits: number; price: WebhookMoney } | null;
    completedAt: string;
  };
  'subscription.created': SubscriptionEventData;
  'subscription.updated': SubscriptionEventData;
  'subscription.canceled': SubscriptionEventData;
  'invoice.paid': InvoiceEventData;
  'invoice.payment_failed': InvoiceEventData & { attemptCount: number };
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
  'webhook.test': { endpointId: string; message: string };
}

export type PartnerEventType = keyof PartnerEventDataByType;

/** The event types an endpoint may subscribe to (`webhook.test` goes only where it is sent). */
export const PARTNER_EVENT_TYPES = [
  'account.created',
  'checkout.completed',
  'subscription.created',
  'subscription.updated',
  'subscription.canceled',
  'invoice.paid',
  'invoice.payment_failed',
  'payment.refunded',
  'payment.refund_failed',
  'credits.granted',
  'credits.low_balance',
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
