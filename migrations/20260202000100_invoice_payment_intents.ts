import type { Knex } from 'knex';

/**
 * Subscription payments now keep the PaymentIntent that paid their invoice, which is what a refund
 * names. Rows recorded before learn it here from the `invoice_payment.paid` events already in the
 * webhook log (an endpoint sending every event has them); the rest learn it from Stripe when first
 * refunded or when an event about their invoice or charge arrives, and reconciliation finds them by
 * their invoice meanwhile.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    with paid as (
      select distinct on (payload #>> '{data,object,invoice}')
        payload #>> '{data,object,invoice}' as stripe_invoice_id,
        payload #>> '{data,object,payment,payment_intent}' as stripe_payment_intent_id
      from stripe_events
      where type = 'invoice_payment.paid' and payload #>> '{data,object,payment,type}' = 'payment_intent'
      order by payload #>> '{data,object,invoice}', stripe_created_at desc
    )
    update payments
    set stripe_payment_intent_id = paid.stripe_payment_intent_id
    from paid
    where payments.stripe_invoice_id = paid.stripe_invoice_id
      and payments.stripe_payment_intent_id is null
      and payments.type <> 'refund'
      and not exists (
        select 1 from payments other
        where other.stripe_payment_intent_id = paid.stripe_payment_intent_id and other.type <> 'refund'
      );
  `);
}

export async function down(): Promise<void> {
  // What was learnt stays true: nothing to undo.
}
