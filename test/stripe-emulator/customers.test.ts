import type Stripe from 'stripe';
import { monthlyPrice, startHarness, type Harness } from './support';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.stop();
});

async function subscribedCustomer(email: string) {
  const customer = await h.stripe.customers.create({ email, payment_method: 'pm_card_visa' });
  const methods = await h.stripe.customers.listPaymentMethods(customer.id);
  const price = await monthlyPrice(h.stripe, 1200);
  const active = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    default_payment_method: methods.data[0].id,
  });
  const canceled = await h.stripe.subscriptions.create({
    customer: customer.id,
    items: [{ price: price.id }],
    default_payment_method: methods.data[0].id,
  });
  await h.stripe.subscriptions.cancel(canceled.id);
  return { customer, active, canceled };
}

test('a customer has no subscriptions field unless it is expanded', async () => {
  const { customer } = await subscribedCustomer('plain@example.com');
  const retrieved = await h.stripe.customers.retrieve(customer.id);
  expect(retrieved).not.toHaveProperty('subscriptions');
});

test('expand[]=subscriptions gives the current subscriptions as a list', async () => {
  const { customer, active } = await subscribedCustomer('expanded@example.com');
  const retrieved = (await h.stripe.customers.retrieve(customer.id, {
    expand: ['subscriptions'],
  })) as Stripe.Customer;
  expect(retrieved.subscriptions).toMatchObject({
    object: 'list',
    has_more: false,
    url: `/v1/customers/${customer.id}/subscriptions`,
  });
  expect(retrieved.subscriptions?.data.map((subscription) => subscription.id)).toEqual([active.id]);
  expect(retrieved.subscriptions?.data[0]).toMatchObject({ status: 'active', customer: customer.id });

  const nested = (await h.stripe.customers.retrieve(customer.id, {
    expand: ['subscriptions.data.default_payment_method'],
  })) as Stripe.Customer;
  expect(nested.subscriptions?.data[0].default_payment_method).toMatchObject({ object: 'payment_method' });
});

test('expand[]=data.subscriptions works on the customer list', async () => {
  const { customer, active } = await subscribedCustomer('listed@example.com');
  const listed = await h.stripe.customers.list({ email: customer.email!, expand: ['data.subscriptions'] });
  expect(listed.data).toHaveLength(1);
  expect(listed.data[0].subscriptions?.data.map((subscription) => subscription.id)).toEqual([active.id]);
});

test('a customer without subscriptions expands to an empty list', async () => {
  const customer = await h.stripe.customers.create({ email: 'none@example.com' });
  const retrieved = (await h.stripe.customers.retrieve(customer.id, {
    expand: ['subscriptions'],
  })) as Stripe.Customer;
  expect(retrieved.subscriptions).toMatchObject({ object: 'list', data: [] });
});
