import type { Request, Response, Router } from 'express';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { collectInvoice } from '../billing/invoice-lifecycle';
import { formatAmount } from '../billing/format';
import { confirmPaymentIntent } from '../payments/confirm';
import { confirmSetupIntent, failSetupAuthentication } from '../payments/setup';
import { html, page } from './html';

function invoiceFor(ctx: Context, intent: Stripe.PaymentIntent): Stripe.Invoice | undefined {
  const payment = ctx.store
    .list('invoice_payment')
    .find((entry) => entry.payment.payment_intent === intent.id);
  return payment ? ctx.store.get('invoice', payment.invoice as string) : undefined;
}

/**
 * The page behind a PaymentIntent's `next_action.redirect_to_url`: the payer completes or fails the
 * 3-D Secure challenge, then returns to `return_url` with `payment_intent` in the query, as on Stripe.
 */
export function registerThreeDSecurePages(router: Router, ctx: Context): void {
  router.get('/3ds/:id', (req: Request, res: Response) => {
    if (req.params.id.startsWith('seti_')) return void showSetupChallenge(ctx, req, res);
    const intent = ctx.store.get('payment_intent', req.params.id);
    if (!intent || intent.status !== 'requires_action')
      return void res.status(404).send(page('Not found', html`<h1>No authentication is pending</h1>`));
    res.send(
      page(
        '3-D Secure authentication',
        html`<h1>Authenticate a payment of ${formatAmount(intent.amount, intent.currency)}</h1>
          <p>Your bank asks you to confirm this payment (test mode: choose the outcome).</p>
          <form method="post" action="/3ds/${intent.id}">
            <button type="submit" name="action" value="complete">Complete</button>
            <button type="submit" name="action" value="fail" class="secondary">Fail</button>
          </form>`,
      ),
    );
  });

  router.post('/3ds/:id', (req: Request, res: Response) => {
    if (req.params.id.startsWith('seti_')) return void answerSetupChallenge(ctx, req, res);
    const intent = ctx.store.get('payment_intent', req.params.id);
    if (!intent || intent.status !== 'requires_action')
      return void res.status(404).send(page('Not found', html`<h1>No authentication is pending</h1>`));
    const returnUrl = intent.next_action?.redirect_to_url?.return_url ?? null;
    const method = ctx.store.require('payment_method', intent.payment_method as string);
    if ((req.body as Record<string, string>).action === 'complete') {
      const invoice = invoiceFor(ctx, intent);
      if (invoice)
        collectInvoice(ctx, invoice, {
          paymentMethod: method,
          automatic: false,
          onSession: true,
          authenticated: true,
        });
      else
        confirmPaymentIntent(ctx, intent, { paymentMethod: method, offSession: false, authenticated: true });
    } else {
      const before = structuredClone(intent);
      intent.status = 'requires_payment_method';
      intent.next_action = null;
      intent.payment_method = null;
      intent.last_payment_error = {
        type: 'invalid_request_error',
        code: 'payment_intent_authentication_failure',
        message:
          'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
        payment_method: structuredClone(method),
      };
      ctx.store.changed();
      ctx.events.emit('payment_intent.payment_failed', intent, before);
    }
    if (returnUrl) {
      const target = new URL(returnUrl);
      target.searchParams.set('payment_intent', intent.id);
      return void res.redirect(303, target.toString());
    }
    res.send(
      page(
        'Authentication',
        html`<h1>${intent.status === 'succeeded' ? 'Payment authenticated' : 'Authentication failed'}</h1>`,
      ),
    );
  });
}

function pendingSetup(ctx: Context, req: Request, res: Response): Stripe.SetupIntent | undefined {
  const setupIntent = ctx.store.get('setup_intent', req.params.id);
  if (setupIntent?.status === 'requires_action') return setupIntent;
  res.status(404).send(page('Not found', html`<h1>No authentication is pending</h1>`));
  return undefined;
}

/** The challenge behind a SetupIntent's `next_action.redirect_to_url`: saving a card, not paying. */
function showSetupChallenge(ctx: Context, req: Request, res: Response): void {
  const setupIntent = pendingSetup(ctx, req, res);
  if (!setupIntent) return;
  res.send(
    page(
      '3-D Secure authentication',
      html`<h1>Authenticate saving your card</h1>
        <p>Your bank asks you to confirm this card (test mode: choose the outcome).</p>
        <form method="post" action="/3ds/${setupIntent.id}">
          <button type="submit" name="action" value="complete">Complete</button>
          <button type="submit" name="action" value="fail" class="secondary">Fail</button>
        </form>`,
    ),
  );
}

/** Completes or fails the setup, then returns to `return_url` with `setup_intent` in the query. */
function answerSetupChallenge(ctx: Context, req: Request, res: Response): void {
  const setupIntent = pendingSetup(ctx, req, res);
  if (!setupIntent) return;
  const returnUrl = setupIntent.next_action?.redirect_to_url?.return_url ?? null;
  if ((req.body as Record<string, string>).action === 'complete') {
    const method = ctx.store.require('payment_method', setupIntent.payment_method as string);
    confirmSetupIntent(ctx, setupIntent, { paymentMethod: method, authenticated: true });
  } else {
    failSetupAuthentication(ctx, setupIntent);
  }
  if (returnUrl) {
    const target = new URL(returnUrl);
    target.searchParams.set('setup_intent', setupIntent.id);
    return void res.redirect(303, target.toString());
  }
  res.send(
    page(
      'Authentication',
      html`<h1>${setupIntent.status === 'succeeded' ? 'Card authenticated' : 'Authentication failed'}</h1>`,
    ),
  );
}
