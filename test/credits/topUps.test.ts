import type Stripe from 'stripe';
import { submitCheckoutForm, TEST_CARDS } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

const START = `mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url checkoutSession { id purpose status creditPackage { key } } } }`;
const BALANCE = `query($id: ID) { account(id: $id) { creditBalance { milliCredits } } }`;
const packageId = async (key: string) =>
  (await stack.knex('credit_packages').where({ key }).first()).id as string;

describe('buying credits through Checkout', () => {
  it('grants the package once Stripe confirms the payment', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, creditPackageId: await packageId('credits_1000') } },
      { cookie },
    );
    expect(started.data!.startCreditPackageCheckout.checkoutSession).toMatchObject({
      purpose: 'CREDIT_TOP_UP',
      status: 'OPEN',
      creditPackage: { key: 'credits_1000' },
    });
    expect((await submitCheckoutForm(started.data!.startCreditPackageCheckout.url)).status).toBe(303);
    await stack.settle();
    expect(
      (await stack.app.graphql(BALANCE, { id: account.id }, { cookie })).data!.account.creditBalance
        .milliCredits,
    ).toBe(1_000_000);
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({
        type: 'credit_top_up',
        status: 'completed',
        amount: 1800,
        credits: 1_000_000,
      }),
    ]);
    expect(await stack.knex('credit_grants').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ source: 'purchase', amount: 1_000_000, remaining: 1_000_000 }),
    ]);
  });

  it('grants nothing for a declined card', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, creditPackageId: await packageId('credits_500') } },
      { cookie },
    );
    expect(
      (await submitCheckoutForm(started.data!.startCreditPackageCheckout.url, { card: TEST_CARDS.declined }))
        .status,
    ).toBe(402);
    await stack.settle();
    expect(
      (await stack.app.graphql(BALANCE, { id: account.id }, { cookie })).data!.account.creditBalance
        .milliCredits,
    ).toBe(0);
  });

  it('grants once when the confirming webhook is delivered five times at once', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const started = await stack.app.graphql(
      START,
      { input: { accountId: account.id, creditPackageId: await packageId('credits_5000') } },
      { cookie },
    );
    await submitCheckoutForm(started.data!.startCreditPackageCheckout.url);
    await stack.settle();
    const customerId = (await stack.knex('accounts').where({ id: account.id }).first()).stripeCustomerId;
    const [completed] = (
      await stack.stripe.events.list({ type: 'checkout.session.completed', limit: 100 })
    ).data.filter((event) => (event.data.object as Stripe.Checkout.Session).customer === customerId);
    const payload = JSON.stringify(completed);
    const deliveries = await Promise.all(
      Array.from({ length: 5 }, () =>
        fetch(`${stack.app.url}/webhooks/stripe`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'stripe-signature': stack.stripe.webhooks.generateTestHeaderString({
              payload,
              secret: stack.webhookSecret,
            }),
          },
          body: payload,
        }).then((response) => response.status),
      ),
    );
    expect(deliveries).toEqual([200, 200, 200, 200, 200]);
    expect(
      (await stack.app.graphql(BALANCE, { id: account.id }, { cookie })).data!.account.creditBalance
        .milliCredits,
    ).toBe(5_000_000);
    expect(await stack.knex('credit_grants').where({ accountId: account.id })).toHaveLength(1);
    expect(await stack.knex('payments').where({ accountId: account.id })).toHaveLength(1);
  });

  it('refuses packages that are not on sale, such as the automatic top-up package', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const { errors } = await stack.app.graphql(
      START,
      { input: { accountId: account.id, creditPackageId: await packageId('auto_top_up_500') } },
      { cookie },
    );
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { creditPackageId: 'is not a credit package on sale' },
    });
  });
});
