import { up } from '../../migrations/20260202000100_invoice_payment_intents';
import { createAccount } from '../factories';
import { useTestDatabase } from '../support/database';

const db = useTestDatabase();

/** A subscription payment as payments were recorded before they kept their PaymentIntent. */
async function paymentWithoutIntent(stripeInvoiceId: string) {
  const account = await createAccount();
  const [payment] = await db
    .knex('payments')
    .insert({
      accountId: account.id,
      type: 'subscription_payment',
      status: 'completed',
      amount: 2999,
      currency: 'usd',
      stripeInvoiceId,
    })
    .returning('*');
  return payment;
}

async function storeInvoicePaymentEvent(stripeInvoiceId: string, stripePaymentIntentId: string) {
  await db.knex('stripe_events').insert({
    id: `evt_${stripeInvoiceId}`,
    type: 'invoice_payment.paid',
    payload: {
      id: `evt_${stripeInvoiceId}`,
      type: 'invoice_payment.paid',
      data: {
        object: {
          object: 'invoice_payment',
          invoice: stripeInvoiceId,
          payment: { type: 'payment_intent', payment_intent: stripePaymentIntentId },
        },
      },
    },
    status: 'ignored',
    stripeCreatedAt: new Date(),
  });
}

it('gives subscription payments the PaymentIntent their invoice’s payment event named, and leaves the others', async () => {
  const known = await paymentWithoutIntent('in_known');
  const unknown = await paymentWithoutIntent('in_unknown');
  await storeInvoicePaymentEvent('in_known', 'pi_known');

  await up(db.knex);
  await up(db.knex);

  expect(await db.knex('payments').where({ id: known.id }).first()).toMatchObject({
    stripePaymentIntentId: 'pi_known',
  });
  expect(await db.knex('payments').where({ id: unknown.id }).first()).toMatchObject({
    stripePaymentIntentId: null,
  });
});
