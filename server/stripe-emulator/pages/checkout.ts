import type { Request, Response, Router } from 'express';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { completeCheckoutSession } from '../billing/checkout';
import { formatAmount } from '../billing/format';
import { cardForNumber } from '../payments/cards';
import { cardFields, hiddenFields, html, page, readCardFields } from './html';

function summary(ctx: Context, session: Stripe.Checkout.Session) {
  const extras = ctx.store.extras.checkoutSessions[session.id];
  const rows = (extras?.lineItems ?? []).map((line) => {
    const interval = line.price?.recurring ? ` / ${line.price.recurring.interval}` : '';
    return html`<tr>
      <td>${line.description} × ${line.quantity}</td>
      <td>${formatAmount(line.amount_total, line.currency)}${interval}</td>
    </tr>`;
  });
  const trialDays = extras?.subscriptionData.trialPeriodDays;
  if (session.mode === 'setup')
    return html`<p>Your card is saved for later payments. Nothing is charged today.</p>`;
  return html`<table aria-label="Order summary">
      ${rows}
    </table>
    ${trialDays ? html`<p class="notice">${trialDays}-day free trial: nothing is charged today.</p>` : html``}
    <p>
      <strong>Total due today: ${formatAmount(session.amount_total ?? 0, session.currency ?? 'usd')}</strong>
    </p>`;
}

/** The page's heading and button, by session mode. */
const ACTION: Record<Stripe.Checkout.Session.Mode, string> = {
  payment: 'Pay',
  setup: 'Save card',
  subscription: 'Subscribe',
};

function checkoutPage(
  ctx: Context,
  session: Stripe.Checkout.Session,
  form: Record<string, string> = {},
  error?: string,
): string {
  const email =
    session.customer_email ??
    (session.customer ? ctx.store.get('customer', session.customer as string)?.email : null);
  return page(
    'Checkout',
    html`<h1>${ACTION[session.mode]}</h1>
      ${summary(ctx, session)} ${error ? html`<p class="error" role="alert">${error}</p>` : html``}
      <form method="post" action="/c/pay/${session.id}">
        <label for="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          value="${form.email ?? email ?? ''}"
          ${email ? html`readonly` : html`required`}
        />
        ${cardFields(form)}
        <button type="submit">${ACTION[session.mode]}</button>
      </form>
      ${session.cancel_url ? html`<p><a href="${session.cancel_url}">Cancel and return</a></p>` : html``}`,
  );
}

function closedPage(session: Stripe.Checkout.Session): string {
  const message =
    session.status === 'complete'
      ? 'This Checkout Session is already complete.'
      : 'This Checkout Session has expired.';
  return page(
    'Checkout',
    html`<h1>Checkout</h1>
      <p>${message}</p>`,
  );
}

/** The hosted Checkout page that `session.url` points to, and its 3-D Secure step. */
export function registerCheckoutPages(router: Router, ctx: Context): void {
  router.get('/c/pay/:id', (req: Request, res: Response) => {
    const session = ctx.store.get('checkout.session', req.params.id);
    if (!session)
      return void res.status(404).send(page('Not found', html`<h1>Checkout Session not found</h1>`));
    res.send(session.status === 'open' ? checkoutPage(ctx, session) : closedPage(session));
  });

  const submit = (req: Request, res: Response, authenticated: boolean) => {
    const session = ctx.store.get('checkout.session', req.params.id);
    if (!session)
      return void res.status(404).send(page('Not found', html`<h1>Checkout Session not found</h1>`));
    if (session.status !== 'open') return void res.status(409).send(closedPage(session));
    const form = req.body as Record<string, string>;
    const card = readCardFields(form);
    if ('error' in card) return void res.status(400).send(checkoutPage(ctx, session, form, card.error));
    const testCard = cardForNumber(card.number);
    if (!testCard)
      return void res
        .status(402)
        .send(
          checkoutPage(
            ctx,
            session,
            form,
            'Your card number is incorrect. Use a Stripe test card such as 4242 4242 4242 4242.',
          ),
        );
    if (!session.customer && !session.customer_email && !form.email)
      return void res.status(400).send(checkoutPage(ctx, session, form, 'Enter your email address.'));
    const result = completeCheckoutSession(ctx, session, {
      card: testCard,
      expMonth: card.expMonth,
      expYear: card.expYear,
      email: form.email || null,
      name: form.name || null,
      authenticated,
    });
    switch (result.kind) {
      case 'completed':
        return void res.redirect(303, result.redirectTo);
      case 'declined':
        return void res
          .status(402)
          .send(checkoutPage(ctx, session, { ...form, card_number: '' }, result.message));
      case 'requires_action':
        return void res.send(
          page(
            '3-D Secure authentication',
            html`<h1>Authenticate this payment</h1>
              <p>Your bank asks you to confirm this payment (test mode: choose the outcome).</p>
              <form method="post" action="/c/pay/${session.id}/3ds">
                ${hiddenFields({ email: form.email, name: form.name, card_number: form.card_number, card_expiry: form.card_expiry, card_cvc: form.card_cvc })}
                <button type="submit" name="action" value="complete">Complete</button>
                <button type="submit" name="action" value="fail" class="secondary">Fail</button>
              </form>`,
          ),
        );
      case 'not_open':
        return void res.status(409).send(closedPage(session));
    }
  };

  router.post('/c/pay/:id', (req, res) => submit(req, res, false));

  router.post('/c/pay/:id/3ds', (req, res) => {
    const session = ctx.store.get('checkout.session', req.params.id);
    if (session && (req.body as Record<string, string>).action !== 'complete') {
      return void res
        .status(402)
        .send(
          checkoutPage(
            ctx,
            session,
            { ...req.body, card_number: '' },
            'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
          ),
        );
    }
    submit(req, res, true);
  });
}
