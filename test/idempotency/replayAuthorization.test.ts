import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createUser, sessionCookieFor, unique } from '../factories';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

const CREDIT_CHECKOUT = `mutation($input: StartCreditPackageCheckoutInput!) {
  startCreditPackageCheckout(input: $input) { url checkoutSession { id } } }`;
const TRIAL = `mutation($input: StartTrialInput!) {
  startTrial(input: $input) { subscription { id status } currentSubscription { id plan { key } } } }`;
const REFUND = `mutation($input: RefundPaymentInput!) { refundPayment(input: $input) { id amountRefunded { amount } } }`;

const setRole = (accountId: string, userId: string, role: string) =>
  stack.knex('memberships').where({ accountId, userId }).update({ role });
const removeMember = (accountId: string, userId: string) =>
  stack.knex('memberships').where({ accountId, userId }).delete();

describe('replaying an idempotency key', () => {
  it('answers a Checkout saved under it only while the caller may still start one', async () => {
    const { account, user, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = (await stack.knex('credit_packages').where({ key: 'credits_500' }).first()).id;
    const input = { accountId: account.id, creditPackageId, idempotencyKey: unique('k') };
    const first = await stack.app.graphql(CREDIT_CHECKOUT, { input }, { cookie });
    expect(first.errors).toBeUndefined();
    expect((await stack.app.graphql(CREDIT_CHECKOUT, { input }, { cookie })).data).toEqual(first.data);

    await setRole(account.id, user.id, 'member');
    const demoted = await stack.app.graphql(CREDIT_CHECKOUT, { input }, { cookie });
    expect(demoted.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
    expect(demoted.data?.startCreditPackageCheckout ?? null).toBeNull();

    await removeMember(account.id, user.id);
    const removed = await stack.app.graphql(CREDIT_CHECKOUT, { input }, { cookie });
    expect(removed.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
  });

  it('answers a subscription change, and the current subscription, only to a caller who may still make it', async () => {
    const { account, user, cookie } = await createMember({ role: 'owner' });
    const planId = (await stack.knex('plans').where({ key: 'starter_monthly', active: true }).first()).id;
    const input = { accountId: account.id, planId, idempotencyKey: unique('k') };
    const first = await stack.app.graphql(TRIAL, { input }, { cookie });
    expect(first.errors).toBeUndefined();

    await removeMember(account.id, user.id);
    const removed = await stack.app.graphql(TRIAL, { input }, { cookie });
    expect(removed.errors?.[0]?.extensions.code).toBe('NOT_FOUND');
    expect(removed.data?.startTrial ?? null).toBeNull();
  });

  it('answers a refund only to a caller who is still a platform admin', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = (await stack.knex('credit_packages').where({ key: 'credits_500' }).first()).id;
    const { data } = await stack.app.graphql(
      CREDIT_CHECKOUT,
      { input: { accountId: account.id, creditPackageId } },
      { cookie },
    );
    await submitCheckoutForm(data!.startCreditPackageCheckout.url);
    await stack.settle();
    const payment = await stack
      .knex('payments')
      .where({ accountId: account.id, type: 'credit_top_up' })
      .first();
    const admin = await createUser({ isPlatformAdmin: true });
    const adminCookie = await sessionCookieFor(admin);
    const input = { paymentId: payment.id, amount: 100, reason: 'goodwill', idempotencyKey: unique('k') };
    expect((await stack.app.graphql(REFUND, { input }, { cookie: adminCookie })).errors).toBeUndefined();

    await stack.knex('users').where({ id: admin.id }).update({ isPlatformAdmin: false });
    const replayed = await stack.app.graphql(REFUND, { input }, { cookie: await sessionCookieFor(admin) });
    expect(replayed.errors?.[0]?.extensions.code).toBe('FORBIDDEN');
  });
});
