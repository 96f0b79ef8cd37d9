import type Stripe from 'stripe';
import type { Context } from '../context';
import { newCustomer } from '../objects/customer';
import { newPaymentIntent } from '../objects/payments';
import { chargeOutcome, failsOnAttach, type TestCard } from '../payments/cards';
import { confirmPaymentIntent } from '../payments/confirm';
import { confirmSetupIntent, createSetupIntent } from '../payments/setup';
import { attachPaymentMethod, createCardPaymentMethod } from '../payments/payment-methods';
import { createSubscription } from './subscriptions';
import { nowForCustomer, realNow } from './time';

export interface CheckoutSubmission {
  card: TestCard;
  expMonth: number;
  expYear: number;
  email: string | null;
  name: string | null;
  /** The payer passed the 3-D Secure step for this card. */
  authenticated: boolean;
}

export type CheckoutResult =
  | { kind: 'completed'; redirectTo: string }
  | { kind: 'declined'; message: string }
  | { kind: 'requires_action' }
  | { kind: 'not_open' };

/** Replaces `{CHECKOUT_SESSION_ID}` in a success URL, as Stripe does on redirect. */
export function successRedirect(session: Stripe.Checkout.Session): string {
  return (session.success_url ?? '').split('{CHECKOUT_SESSION_ID}').join(session.id);
}

/** What Checkout charges right now: nothing for a subscription that starts with a trial. */
function amountDueNow(session: Stripe.Checkout.Session): number {
  return session.amount_total ?? 0;
}

/**
 * Completes a Checkout Session from the hosted page. The card is checked first, so a declined card
 * creates nothing and the payer can try again, as on Stripe. On success, in Stripe's order: the
 * customer (`customer.created`), the card (`payment_method.attached`), then the subscription and its
 * first invoice or the payment intent and charge, and finally `checkout.session.completed`.
 */
export function completeCheckoutSession(
  ctx: Context,
  session: Stripe.Checkout.Session,
  submission: CheckoutSubmission,
): CheckoutResult {
  if (session.status !== 'open') return { kind: 'not_open' };
  const extras = ctx.store.extras.checkoutSessions[session.id];
  const behaviour = submission.card.behaviour;
  if (behaviour === 'requires_authentication' && !submission.authenticated)
    return { kind: 'requires_action' };
  const charged = amountDueNow(session) > 0;
  const outcome = charged
    ? chargeOutcome(behaviour, false, submission.authenticated)
    : failsOnAttach(behaviour)
      ? chargeOutcome(behaviour, false)
      : ({ kind: 'succeeded' } as const);
  if (outcome.kind === 'declined') return { kind: 'declined', message: outcome.message };

  const email = submission.email ?? session.customer_email;
  let customer = session.customer ? ctx.store.require('customer', session.customer as string) : undefined;
  const needsCustomer =
    session.mode === 'subscription' ||
    extras?.customerCreation === 'always' ||
    extras?.paymentIntentData.setupFutureUsage !== null;
  if (!customer && needsCustomer) {
    customer = ctx.store.insert(
      'customer',
      newCustomer({
        email,
        name: submission.name,
        description: null,
        phone: null,
        metadata: {},
        testClock: null,
        defaultPaymentMethod: null,
        created: realNow(),
      }),
    );
    ctx.events.emit('customer.created', customer);
  }
  const now = customer ? nowForCustomer(ctx.store, customer) : realNow();
  const method = createCardPaymentMethod(ctx, submission.card, {
    expMonth: submission.expMonth,
    expYear: submission.expYear,
    name: submission.name,
    email,
    created: now,
  });
  if (customer && (session.mode === 'subscription' || extras?.paymentIntentData.setupFutureUsage))
    attachPaymentMethod(ctx, method, customer.id);

  if (session.mode === 'subscription' && customer) {
    const lineItems = extras?.lineItems ?? [];
    const subscription = createSubscription(ctx, {
      customer,
      items: lineItems.map((line) => ({
        price: ctx.store.require('price', (line.price as Stripe.Price).id),
        quantity: line.quantity ?? 1,
        metadata: {},
      })),
      trialPeriodDays: extras?.subscriptionData.trialPeriodDays ?? null,
      trialEnd: extras?.subscriptionData.trialEnd ?? null,
      defaultPaymentMethod: method.id,
      metadata: { ...(extras?.subscriptionData.metadata ?? {}) },
      description: extras?.subscriptionData.description ?? null,
      missingPaymentMethod: extras?.subscriptionData.missingPaymentMethod,
      paymentBehavior: 'allow_incomplete',
      collectionMethod: 'charge_automatically',
      saveDefaultPaymentMethod: 'on_subscription',
      authenticated: true,
    });
    session.subscription = subscription.id;
    session.invoice = subscription.latest_invoice as string | null;
    session.payment_status = charged ? 'paid' : 'no_payment_required';
  } else if (session.mode === 'setup') {
    // The card was checked above, so saving it succeeds; it is attached when there is a customer.
    const setupIntent = createSetupIntent(ctx, {
      customer: customer?.id ?? null,
      paymentMethod: method.id,
      description: extras?.setupIntentData?.description ?? null,
      metadata: { ...(extras?.setupIntentData?.metadata ?? {}) },
      usage: 'off_session',
      allowedPaymentMethodTypes: null,
      created: now,
    });
    confirmSetupIntent(ctx, setupIntent, { paymentMethod: method, authenticated: submission.authenticated });
    session.setup_intent = setupIntent.id;
  } else {
    const intentData = extras?.paymentIntentData;
    const intent = ctx.store.insert(
      'payment_intent',
      newPaymentIntent({
        amount: session.amount_total ?? 0,
        currency: session.currency ?? 'usd',
        customer: customer?.id ?? null,
        paymentMethod: null,
        description: intentData?.description ?? null,
        metadata: { ...(intentData?.metadata ?? {}) },
        setupFutureUsage: intentData?.setupFutureUsage ?? null,
        receiptEmail: intentData?.receiptEmail ?? null,
        captureMethod: intentData?.captureMethod ?? 'automatic',
        created: now,
        shipping: intentData?.shipping ?? null,
        statementDescriptor: intentData?.statementDescriptor ?? null,
        statementDescriptorSuffix: intentData?.statementDescriptorSuffix ?? null,
        transferGroup: intentData?.transferGroup ?? null,
      }),
    );
    ctx.events.emit('payment_intent.created', intent);
    confirmPaymentIntent(ctx, intent, {
      paymentMethod: method,
      offSession: false,
      authenticated: submission.authenticated,
    });
    session.payment_intent = intent.id;
    // An authorization (manual capture) has not paid yet: Stripe reports the session `unpaid` until capture.
    session.payment_status = intent.status === 'succeeded' ? 'paid' : 'unpaid';
  }
  session.status = 'complete';
  session.customer = customer?.id ?? null;
  session.customer_details = {
    address: null,
    business_name: null,
    email,
    individual_name: null,
    name: submission.name,
    phone: null,
    tax_exempt: 'none',
    tax_ids: [],
  };
  session.url = null;
  ctx.store.changed();
  ctx.events.emit('checkout.session.completed', session);
  return { kind: 'completed', redirectTo: successRedirect(session) };
}

/** Expires an open session (POST /expire, or 24 hours after creation by default). */
export function expireCheckoutSession(ctx: Context, session: Stripe.Checkout.Session): void {
  session.status = 'expired';
  session.url = null;
  ctx.store.changed();
  ctx.events.emit('checkout.session.expired', session);
}
