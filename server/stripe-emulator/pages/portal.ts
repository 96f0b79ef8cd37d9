import type { Request, Response, Router } from 'express';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { formatAmount, formatDate } from '../billing/format';
import { productName } from '../billing/invoice-build';
import { updateSubscription } from '../billing/subscription-update';
import { cardForNumber } from '../payments/cards';
import { attachPaymentMethod, createCardPaymentMethod } from '../payments/payment-methods';
import { ApiError } from '../http/errors';
import { cardFields, html, page, readCardFields } from './html';

function activeSubscriptions(ctx: Context, customerId: string): Stripe.Subscription[] {
  return ctx.store
    .list('subscription')
    .filter(
      (subscription) =>
        subscription.customer === customerId &&
        !['canceled', 'incomplete_expired'].includes(subscription.status),
    );
}

/** Plans a customer may switch to: any active recurring price in the subscription's currency. */
function switchablePrices(ctx: Context, subscription: Stripe.Subscription): Stripe.Price[] {
  return ctx.store
    .list('price')
    .filter(
      (price) => price.active && price.type === 'recurring' && price.currency === subscription.currency,
    );
}

function describePrice(ctx: Context, price: Stripe.Price): string {
  return `${productName(ctx, price)} — ${formatAmount(price.unit_amount ?? 0, price.currency)} / ${price.recurring?.interval ?? 'once'}`;
}

function portalPage(
  ctx: Context,
  session: Stripe.BillingPortal.Session,
  message?: string,
  error?: string,
): string {
  const customer = ctx.store.require('customer', session.customer);
  const base = `/p/session/${session.id}`;
  const subscriptions = activeSubscriptions(ctx, customer.id).map((subscription) => {
    const item = subscription.items.data[0];
    const renews = subscription.cancel_at_period_end
      ? html`<p class="badge">Cancels on ${formatDate(item.current_period_end)}</p>
          <form method="post" action="${base}/subscriptions/${subscription.id}/resume">
            <button type="submit">Renew plan</button>
          </form>`
      : html`<p>Renews on ${formatDate(item.current_period_end)}</p>
          <form method="post" action="${base}/subscriptions/${subscription.id}/cancel">
            <button type="submit" class="secondary">Cancel plan</button>
          </form>`;
    const options = switchablePrices(ctx, subscription).map(
      (price) =>
        html`<option value="${price.id}" ${price.id === item.price.id ? html`selected` : html``}>
          ${describePrice(ctx, price)}
        </option>`,
    );
    return html`<section aria-label="Subscription ${subscription.id}">
      <h3>${describePrice(ctx, item.price)}${(item.quantity ?? 1) > 1 ? ` × ${item.quantity}` : ''}</h3>
      <p>Status: ${subscription.status}</p>
      ${renews}
      <form method="post" action="${base}/subscriptions/${subscription.id}/switch">
        <label for="price-${subscription.id}">Change plan</label>
        <select id="price-${subscription.id}" name="price">
          ${options}
        </select>
        <button type="submit">Update plan</button>
      </form>
    </section>`;
  });
  const methodId = customer.invoice_settings.default_payment_method as string | null;
  const method = methodId
    ? ctx.store.get('payment_method', methodId)
    : ctx.store.list('payment_method').find((entry) => entry.customer === customer.id);
  const invoices = ctx.store
    .list('invoice')
    .filter((invoice) => invoice.customer === customer.id && invoice.status !== 'draft')
    .map(
      (invoice) =>
        html`<tr>
          <td>${formatDate(invoice.created)}</td>
          <td>${formatAmount(invoice.total, invoice.currency)}</td>
          <td>${invoice.status}</td>
          <td>
            <a href="${invoice.hosted_invoice_url ?? ''}">View</a> ·
            <a href="${invoice.invoice_pdf ?? ''}">PDF</a>
          </td>
        </tr>`,
    );
  return page(
    'Billing',
    html`<h1>Billing for ${customer.email ?? customer.name ?? customer.id}</h1>
      ${message ? html`<p class="notice" role="status">${message}</p>` : html``}
      ${error ? html`<p class="error" role="alert">${error}</p>` : html``}
      ${session.return_url ? html`<p><a href="${session.return_url}">← Return</a></p>` : html``}
      <h2>Current plan</h2>
      ${subscriptions.length ? subscriptions : html`<p>No active subscription.</p>`}
      <h2>Payment method</h2>
      <p>${method?.card ? `${method.card.brand} ending in ${method.card.last4}` : 'No card on file.'}</p>
      <form method="post" action="${base}/payment-method">
        ${cardFields()}<button type="submit">Save card</button>
      </form>
      <h2>Invoice history</h2>
      ${
        invoices.length
          ? html`<div class="scroll">
              <table>
                <tr>
                  <th>Date</th>
                  <th>Amount</th>
                  <th>Status</th>
                  <th>Links</th>
                </tr>
                ${invoices}
              </table>
            </div>`
          : html`<p>No invoices yet.</p>`
      }`,
  );
}

/** The billing portal that `billing_portal.session.url` points to. */
export function registerPortalPages(router: Router, ctx: Context): void {
  const load = (req: Request, res: Response): Stripe.BillingPortal.Session | undefined => {
    const session = ctx.store.get('billing_portal.session', req.params.id);
    if (!session) res.status(404).send(page('Not found', html`<h1>Portal session not found</h1>`));
    return session;
  };
  const subscriptionOf = (req: Request, session: Stripe.BillingPortal.Session) => {
    const subscription = ctx.store.get('subscription', req.params.subscription);
    if (!subscription || subscription.customer !== session.customer)
      throw ApiError.missing('subscription', req.params.subscription);
    return subscription;
  };
  const act = (req: Request, res: Response, action: (session: Stripe.BillingPortal.Session) => string) => {
    const session = load(req, res);
    if (!session) return;
    try {
      res.send(portalPage(ctx, session, action(session)));
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      res.status(error.status).send(portalPage(ctx, session, undefined, error.message));
    }
  };

  router.get('/p/session/:id', (req, res) => {
    const session = load(req, res);
    if (session) res.send(portalPage(ctx, session));
  });

  router.post('/p/session/:id/subscriptions/:subscription/cancel', (req, res) =>
    act(req, res, (session) => {
      updateSubscription(ctx, subscriptionOf(req, session), {
        prorationBehavior: 'none',
        cancelAtPeriodEnd: true,
      });
      return 'Your plan will be canceled at the end of the billing period.';
    }),
  );

  router.post('/p/session/:id/subscriptions/:subscription/resume', (req, res) =>
    act(req, res, (session) => {
      updateSubscription(ctx, subscriptionOf(req, session), {
        prorationBehavior: 'none',
        cancelAtPeriodEnd: false,
      });
      return 'Your plan will renew.';
    }),
  );

  router.post('/p/session/:id/subscriptions/:subscription/switch', (req, res) =>
    act(req, res, (session) => {
      const subscription = subscriptionOf(req, session);
      const price = ctx.store.require(
        'price',
        String((req.body as Record<string, string>).price ?? ''),
        'price',
      );
      if (!switchablePrices(ctx, subscription).includes(price))
        throw ApiError.invalid('That plan is not available.');
      updateSubscription(ctx, subscription, {
        prorationBehavior: 'create_prorations',
        items: [{ id: subscription.items.data[0].id, price }],
        // Stripe's default portal configuration (`trial_update_behavior: end_trial`) ends a trial on a
        // plan change: the new plan is charged now.
        trialEnd: subscription.status === 'trialing' ? 'now' : undefined,
      });
      return `Your plan is now ${describePrice(ctx, price)}.`;
    }),
  );

  router.post('/p/session/:id/payment-method', (req, res) =>
    act(req, res, (session) => {
      const card = readCardFields(req.body as Record<string, string>);
      if ('error' in card) throw ApiError.invalid(card.error);
      const testCard = cardForNumber(card.number);
      if (!testCard) throw ApiError.invalid('Your card number is incorrect. Use a Stripe test card.');
      const method = createCardPaymentMethod(ctx, testCard, {
        expMonth: card.expMonth,
        expYear: card.expYear,
        name: (req.body as Record<string, string>).name || null,
      });
      attachPaymentMethod(ctx, method, session.customer);
      const customer = ctx.store.require('customer', session.customer);
      ctx.events.update('customer.updated', customer, (c) => {
        c.invoice_settings.default_payment_method = method.id;
      });
      for (const subscription of activeSubscriptions(ctx, customer.id)) {
        if (subscription.default_payment_method) {
          ctx.events.update('customer.subscription.updated', subscription, (s) => {
            s.default_payment_method = method.id;
          });
        }
      }
      return `Card ending in ${testCard.last4} saved.`;
    }),
  );
}
