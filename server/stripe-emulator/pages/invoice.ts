import type { Request, Response, Router } from 'express';
import type Stripe from 'stripe';
import type { Context } from '../context';
import { formatAmount, formatDate } from '../billing/format';
import { collectInvoice } from '../billing/invoice-lifecycle';
import { cardForNumber } from '../payments/cards';
import { createCardPaymentMethod } from '../payments/payment-methods';
import { cardFields, html, page, readCardFields } from './html';
import { invoicePdf } from './pdf';

function invoicePage(invoice: Stripe.Invoice, form: Record<string, string> = {}, error?: string): string {
  const rows = invoice.lines.data.map(
    (line) =>
      html`<tr>
        <td>${line.description}</td>
        <td>${formatAmount(line.amount, line.currency)}</td>
      </tr>`,
  );
  const payable = invoice.status === 'open' || invoice.status === 'uncollectible';
  return page(
    `Invoice ${invoice.number ?? invoice.id}`,
    html`<h1>Invoice ${invoice.number ?? invoice.id}</h1>
      <p>
        Status:
        <strong>${invoice.status}</strong>${invoice.due_date ? ` · due ${formatDate(invoice.due_date)}` : ''}
      </p>
      <table aria-label="Invoice lines">
        ${rows}
        <tr>
          <th>Total</th>
          <th>${formatAmount(invoice.total, invoice.currency)}</th>
        </tr>
        <tr>
          <th>Amount due</th>
          <th>${formatAmount(invoice.amount_remaining, invoice.currency)}</th>
        </tr>
      </table>
      <p><a href="/i/${invoice.id}/pdf">Download PDF</a></p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : html``}
      ${
        payable
          ? html`<h2>Pay this invoice</h2>
              <form method="post" action="/i/${invoice.id}/pay">
                ${cardFields(form)}<button type="submit">
                  Pay ${formatAmount(invoice.amount_remaining, invoice.currency)}
                </button>
              </form>`
          : html``
      }`,
  );
}

/** The hosted invoice page (`hosted_invoice_url`), its Pay form and the PDF (`invoice_pdf`). */
export function registerInvoicePages(router: Router, ctx: Context): void {
  const load = (req: Request, res: Response): Stripe.Invoice | undefined => {
    const invoice = ctx.store.get('invoice', req.params.id);
    if (!invoice || invoice.status === 'draft')
      res.status(404).send(page('Not found', html`<h1>Invoice not found</h1>`));
    return invoice && invoice.status !== 'draft' ? invoice : undefined;
  };

  router.get('/i/:id', (req, res) => {
    const invoice = load(req, res);
    if (invoice) res.send(invoicePage(invoice));
  });

  router.get('/i/:id/pdf', (req, res) => {
    const invoice = load(req, res);
    if (!invoice) return;
    res
      .type('application/pdf')
      .setHeader('Content-Disposition', `inline; filename="Invoice-${invoice.number ?? invoice.id}.pdf"`);
    res.send(invoicePdf(invoice));
  });

  router.post('/i/:id/pay', (req, res) => {
    const invoice = load(req, res);
    if (!invoice) return;
    const form = req.body as Record<string, string>;
    if (invoice.status !== 'open' && invoice.status !== 'uncollectible')
      return void res.status(409).send(invoicePage(invoice, form, 'This invoice cannot be paid.'));
    const card = readCardFields(form);
    if ('error' in card) return void res.status(400).send(invoicePage(invoice, form, card.error));
    const testCard = cardForNumber(card.number);
    if (!testCard)
      return void res
        .status(402)
        .send(invoicePage(invoice, form, 'Your card number is incorrect. Use a Stripe test card.'));
    const method = createCardPaymentMethod(ctx, testCard, {
      expMonth: card.expMonth,
      expYear: card.expYear,
      name: form.name || null,
    });
    const outcome = collectInvoice(ctx, invoice, {
      paymentMethod: method,
      automatic: false,
      onSession: true,
    });
    if (outcome.kind === 'requires_action') {
      const payment = ctx.store
        .list('invoice_payment')
        .find((entry) => entry.invoice === invoice.id && entry.status === 'open');
      return void res.redirect(303, `/3ds/${String(payment?.payment.payment_intent)}`);
    }
    if (outcome.kind === 'declined')
      return void res.status(402).send(invoicePage(invoice, { ...form, card_number: '' }, outcome.message));
    res.status(200).send(invoicePage(invoice));
  });

  router.get('/receipts/:id', (req, res) => {
    const charge = ctx.store.get('charge', req.params.id);
    if (!charge) return void res.status(404).send(page('Not found', html`<h1>Receipt not found</h1>`));
    res.send(
      page(
        'Receipt',
        html`<h1>Receipt</h1>
          <p>${formatAmount(charge.amount, charge.currency)} paid on ${formatDate(charge.created)}</p>
          ${charge.amount_refunded > 0 ? html`<p>Refunded: ${formatAmount(charge.amount_refunded, charge.currency)}</p>` : html``}`,
      ),
    );
  });
}
