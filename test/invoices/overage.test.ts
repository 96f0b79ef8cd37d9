import type Stripe from 'stripe';
import { createPartnerKey } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { applyScheduledPlanChanges } from '../../server/subscriptions/lifecycleJobs';
import { JAN_15_2026, subscribeOnTestClock, useFollowingClock } from '../support/subscribedAccount';

const stack = useBillingStack();
const time = useFollowingClock();
const FEB_15_2026 = new Date(Date.UTC(2026, 1, 15, 12));
const MAR_15_2026 = new Date(Date.UTC(2026, 2, 15, 12));
const HOUR_MS = 3_600_000;

let partner: string;
beforeAll(async () => {
  partner = (await createPartnerKey({ scopes: ['usage:write'] })).secret;
  // A small allowance makes the arithmetic visible: 1,000 API calls included, then 25 cents per started 100.
  const pro = await stack.knex('plans').where({ key: 'pro_monthly', active: true }).first();
  await stack
    .knex('plan_entitlements')
    .where({ planId: pro.id, featureKey: 'api_calls' })
    .update({ includedQuantity: 1000, overageUnitAmount: 25, overageBlockSize: 100 });
});

async function recordApiCalls(externalId: string, quantity: number, key: string, at: Date) {
  const { data, errors } = await stack.app.graphql(
    'mutation($input: RecordUsageInput!) { recordUsage(input: $input) { accepted } }',
    {
      input: {
        events: [
          { externalId, meterKey: 'api_calls', quantity, occurredAt: at.toISOString(), idempotencyKey: key },
        ],
      },
    },
    { apiKey: partner },
  );
  expect(errors).toBeUndefined();
  expect(data!.recordUsage.accepted).toBe(1);
}

async function invoiceCreatedEvent(invoiceId: string): Promise<Stripe.Event> {
  const events = (await stack.stripe.events.list({ type: 'invoice.created', limit: 100 })).data;
  return events.find((event) => (event.data.object as Stripe.Invoice).id === invoiceId)!;
}

/** Posts an event to our webhook route, signed as Stripe signs it. */
function deliver(event: Stripe.Event): Promise<Response> {
  const payload = JSON.stringify(event);
  return fetch(`${stack.app.url}/webhooks/stripe`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'stripe-signature': stack.stripe.webhooks.generateTestHeaderString({
        payload,
        secret: stack.webhookSecret,
      }),
    },
    body: payload,
  });
}

const UPCOMING = `query($id: ID) { account(id: $id) { upcomingInvoice { total { amount } periodStart lines { amount { amount } } usageOverage { meter { key } late periodStart includedQuantity usedQuantity overageQuantity amount { amount currency } } } } }`;

describe('usage overage', () => {
  it('shows in the upcoming invoice as it accrues, then is billed once on the renewal', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const externalId = subscribed.account.externalId!;
    time.clock.set(new Date(JAN_15_2026.getTime() + 6 * 3_600_000));
    await recordApiCalls(externalId, 700, 'a', new Date(JAN_15_2026.getTime() + 3_600_000));
    await recordApiCalls(externalId, 550, 'b', new Date(JAN_15_2026.getTime() + 5 * 3_600_000));

    const { data } = await stack.app.graphql(
      UPCOMING,
      { id: subscribed.account.id },
      { cookie: subscribed.cookie },
    );
    // 1,250 used, 1,000 included: 250 over, three started blocks of 100 at 25 cents = 75 cents.
    expect(data!.account.upcomingInvoice).toMatchObject({
      total: { amount: 2999 + 75 },
      periodStart: FEB_15_2026.toISOString(),
      usageOverage: [
        {
          meter: { key: 'api_calls' },
          late: false,
          periodStart: JAN_15_2026.toISOString(),
          includedQuantity: 1000,
          usedQuantity: 1250,
          overageQuantity: 250,
          amount: { amount: 75, currency: 'usd' },
        },
      ],
    });

    // The renewal invoice is created as a draft at the period end; the overage is added to it.
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 5 * 60_000));
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));
    const renewal = (
      await stack.stripe.invoices.list({ customer: subscribed.customer.id, limit: 10 })
    ).data.find((invoice) => invoice.billing_reason === 'subscription_cycle')!;
    expect(renewal).toMatchObject({ status: 'paid', total: 2999 + 75 });
    const charges = await stack.knex('usage_overage_charges').where({ accountId: subscribed.account.id });
    expect(charges).toEqual([
      expect.objectContaining({
        quantity: 250,
        amount: 75,
        stripeInvoiceId: renewal.id,
        periodStart: JAN_15_2026,
        periodEnd: FEB_15_2026,
      }),
    ]);
    const mirrored = await stack.knex('invoice_lines').where({
      invoiceId: (await stack.knex('invoices').where({ stripeInvoiceId: renewal.id }).first()).id,
      kind: 'usage_overage',
    });
    expect(mirrored).toEqual([expect.objectContaining({ amount: 75 })]);

    // Delivered again (Stripe retries), then replayed as if it had failed: nothing more is billed.
    const created = await invoiceCreatedEvent(renewal.id);
    expect((await deliver(created)).status).toBe(200);
    await stack.knex('stripe_events').where({ id: created.id }).update({ status: 'failed' });
    expect((await deliver(created)).status).toBe(200);
    expect(
      await stack.knex('usage_overage_charges').where({ accountId: subscribed.account.id }),
    ).toHaveLength(1);
    expect(
      (await stack.stripe.invoiceItems.list({ customer: subscribed.customer.id, limit: 100 })).data,
    ).toHaveLength(1);
  });

  it('bills usage recorded after its period was billed on the next renewal, only for the blocks it adds, once', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    const externalId = subscribed.account.externalId!;
    time.clock.set(new Date(JAN_15_2026.getTime() + 6 * HOUR_MS));
    await recordApiCalls(externalId, 1250, 'on-time', new Date(JAN_15_2026.getTime() + HOUR_MS));
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 5 * 60_000));
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * HOUR_MS));

    // Five days into the next period, 330 calls made in January arrive (accepted up to 35 days late).
    // January now has 1,580 calls: 580 over, six blocks, of which three were billed.
    time.clock.set(new Date(FEB_15_2026.getTime() + 5 * 24 * HOUR_MS));
    await recordApiCalls(externalId, 330, 'late', new Date(JAN_15_2026.getTime() + 5 * 24 * HOUR_MS));
    // A month on, the customer's session has lapsed; the partner reads the preview.
    const reader = (await createPartnerKey({ scopes: ['accounts:read', 'billing:read'] })).secret;
    const { data, errors } = await stack.app.graphql(
      UPCOMING,
      { id: subscribed.account.id },
      { apiKey: reader },
    );
    expect(errors).toBeUndefined();
    expect(data!.account.upcomingInvoice).toMatchObject({
      total: { amount: 2999 + 75 },
      usageOverage: [
        {
          meter: { key: 'api_calls' },
          late: true,
          periodStart: JAN_15_2026.toISOString(),
          usedQuantity: 1580,
          overageQuantity: 330,
          amount: { amount: 75 },
        },
      ],
    });

    await subscribed.advanceTo(new Date(MAR_15_2026.getTime() + 5 * 60_000));
    await subscribed.advanceTo(new Date(MAR_15_2026.getTime() + 2 * HOUR_MS));
    const march = (
      await stack.stripe.invoices.list({ customer: subscribed.customer.id, limit: 10 })
    ).data.find(
      (invoice) =>
        invoice.billing_reason === 'subscription_cycle' &&
        invoice.period_start === FEB_15_2026.getTime() / 1000,
    )!;
    expect(march).toMatchObject({ status: 'paid', total: 2999 + 75 });
    const charges = await stack
      .knex('usage_overage_charges')
      .where({ accountId: subscribed.account.id })
      .orderBy('id');
    expect(charges).toEqual([
      expect.objectContaining({
        periodStart: JAN_15_2026,
        billedWithPeriodStart: JAN_15_2026,
        quantity: 250,
        amount: 75,
      }),
      expect.objectContaining({
        periodStart: JAN_15_2026,
        billedWithPeriodStart: FEB_15_2026,
        quantity: 330,
        amount: 75,
        stripeInvoiceId: march.id,
      }),
    ]);
    const items = (await stack.stripe.invoiceItems.list({ customer: subscribed.customer.id, limit: 100 }))
      .data;
    expect(items.map((item) => item.description)).toContain(
      'API calls: 330 more beyond the 1000 included, recorded late for 2026-01-15 – 2026-02-15',
    );

    // March's invoice.created replayed as if it had failed: the late charge is not billed twice.
    const created = await invoiceCreatedEvent(march.id);
    await stack.knex('stripe_events').where({ id: created.id }).update({ status: 'failed' });
    expect((await deliver(created)).status).toBe(200);
    expect(
      await stack.knex('usage_overage_charges').where({ accountId: subscribed.account.id }),
    ).toHaveLength(2);
    expect(
      (await stack.stripe.invoiceItems.list({ customer: subscribed.customer.id, limit: 100 })).data,
    ).toHaveLength(2);
  });

  it('bills nothing for usage within the allowance', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    time.clock.set(new Date(JAN_15_2026.getTime() + 2 * 3_600_000));
    await recordApiCalls(
      subscribed.account.externalId!,
      1000,
      'within',
      new Date(JAN_15_2026.getTime() + 3_600_000),
    );
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 5 * 60_000));
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * 3_600_000));
    expect(await stack.knex('usage_overage_charges').where({ accountId: subscribed.account.id })).toEqual([]);
    const renewal = (
      await stack.stripe.invoices.list({ customer: subscribed.customer.id, limit: 10 })
    ).data.find((invoice) => invoice.billing_reason === 'subscription_cycle')!;
    expect(renewal.total).toBe(2999);
  });

  it('bills usage at the plan in force when it was used, even after a downgrade made before the renewal', async () => {
    const subscribed = await subscribeOnTestClock({ stack, clock: time.clock, planKey: 'pro_monthly' });
    time.clock.set(new Date(JAN_15_2026.getTime() + 6 * HOUR_MS));
    await recordApiCalls(
      subscribed.account.externalId!,
      1250,
      'pro',
      new Date(JAN_15_2026.getTime() + HOUR_MS),
    );
    const starter = await stack.knex('plans').where({ key: 'starter_monthly', active: true }).first();
    const downgrade = await stack.app.graphql(
      'mutation($input: ChangePlanInput!) { changePlan(input: $input) { kind } }',
      { input: { accountId: subscribed.account.id, planId: starter.id } },
      { cookie: subscribed.cookie },
    );
    expect(downgrade.data!.changePlan.kind).toBe('DOWNGRADE');

    // The downgrade is made in Stripe minutes before the period ends, so the renewal is at Starter's price.
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() - 5 * 60_000));
    await applyScheduledPlanChanges();
    await stack.settle();
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 5 * 60_000));
    await subscribed.advanceTo(new Date(FEB_15_2026.getTime() + 2 * HOUR_MS));
    const renewal = (
      await stack.stripe.invoices.list({ customer: subscribed.customer.id, limit: 10 })
    ).data.find((invoice) => invoice.billing_reason === 'subscription_cycle')!;
    // Starter's $9.99, and January's 250 calls over Pro's allowance at Pro's price: three blocks, 75 cents.
    expect(renewal).toMatchObject({ status: 'paid', total: 999 + 75 });
    expect(await stack.knex('usage_overage_charges').where({ accountId: subscribed.account.id })).toEqual([
      expect.objectContaining({ periodStart: JAN_15_2026, quantity: 250, amount: 75 }),
    ]);
  });
});
