import type { FaultPoint } from '../../server/faultPoints';
import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { interruptions, useInterruptedRequests } from '../support/interruptedRequests';

const stack = useBillingStack();
const interrupt = useInterruptedRequests(stack);

const SUBSCRIPTION_CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url checkoutSession { id status } } }`;
const CREDIT_CHECKOUT = `mutation($input: StartCreditPackageCheckoutInput!) {
  startCreditPackageCheckout(input: $input) { url checkoutSession { id status } } }`;

const POINTS: FaultPoint[] = [
  'checkout.beforeStripeCall',
  'checkout.afterStripeCall',
  'checkout.beforeCommit',
  'checkout.afterCommit',
  'idempotency.beforeCompletion',
];

const checkouts = {
  subscription: {
    mutation: SUBSCRIPTION_CHECKOUT,
    field: 'startSubscriptionCheckout',
    input: async () => ({ planId: (await stack.knex('plans').where({ key: 'pro_monthly' }).first()).id }),
  },
  credits: {
    mutation: CREDIT_CHECKOUT,
    field: 'startCreditPackageCheckout',
    input: async () => ({
      creditPackageId: (await stack.knex('credit_packages').where({ key: 'credits_1000' }).first()).id,
    }),
  },
} as const;

/** The Checkouts of the account, in Stripe and here. */
async function checkoutsOf(accountId: string) {
  const { stripeCustomerId } = await stack.knex('accounts').where({ id: accountId }).first();
  const inStripe = await stack.stripe.checkout.sessions.list({ customer: stripeCustomerId, limit: 100 });
  const ours = await stack.knex('checkout_sessions').where({ accountId });
  return {
    inStripe: inStripe.data.map((session) => ({ id: session.id, status: session.status, url: session.url })),
    ours: ours.map((checkout) => ({
      id: checkout.id,
      status: checkout.status,
      stripeCheckoutSessionId: checkout.stripeCheckoutSessionId,
    })),
  };
}

describe.each(Object.entries(checkouts))(
  'a %s Checkout retried after it was interrupted',
  (_kind, checkout) => {
    it.each(interruptions(POINTS))(
      'opens one Stripe Checkout Session after a %s at %s, and the retry answers it',
      async (how, point) => {
        const { account, cookie } = await createMember({ role: 'owner' });
        const input = { accountId: account.id, ...(await checkout.input()), idempotencyKey: unique('k') };
        await interrupt(how, point, [checkout.mutation, { input }, { cookie }]);

        const retried = await stack.app.graphql(checkout.mutation, { input }, { cookie });
        expect(retried.errors).toBeUndefined();
        const answer = retried.data![checkout.field];
        const { inStripe, ours } = await checkoutsOf(account.id);
        expect(inStripe).toEqual([{ id: expect.any(String), status: 'open', url: answer.url }]);
        expect(ours).toEqual([
          { id: answer.checkoutSession.id, status: 'open', stripeCheckoutSessionId: inStripe[0]!.id },
        ]);
        expect((await stack.app.graphql(checkout.mutation, { input }, { cookie })).data).toEqual(
          retried.data,
        );

        // The one session is the one the customer pays, and the purchase lands once.
        expect((await submitCheckoutForm(answer.url)).status).toBe(303);
        await stack.settle();
        expect(
          await stack.knex('checkout_sessions').where({ accountId: account.id, status: 'completed' }),
        ).toHaveLength(1);
      },
    );
  },
);
