import { createMember } from '../factories';
import type { BillingStack } from './billingStack';

const UPDATE = `mutation($input: UpdateAutoTopUpInput!) { updateAutoTopUp(input: $input) { enabled thresholdMilliCredits consecutiveFailures disabledReason inFlight creditPackage { key } } }`;

/** An account with a card on file (as Checkout would leave it) and automatic top-up below 100 credits. */
export async function accountWithAutoTopUp(stack: BillingStack, paymentMethod: string) {
  const { account, cookie } = await createMember({ role: 'owner' });
  await stack.knex('accounts').where({ id: account.id }).update({ billingEmail: 'billing@customer.test' });
  const customer = await stack.stripe.customers.create({
    name: account.name,
    metadata: { account_id: account.id },
  });
  await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });
  await stack.stripe.paymentMethods.attach(paymentMethod, { customer: customer.id });
  const creditPackageId = (await stack.knex('credit_packages').where({ key: 'auto_top_up_500' }).first()).id;
  const { data, errors } = await stack.app.graphql(
    UPDATE,
    { input: { accountId: account.id, enabled: true, thresholdMilliCredits: 100_000, creditPackageId } },
    { cookie },
  );
  expect(errors).toBeUndefined();
  expect(data!.updateAutoTopUp).toMatchObject({
    enabled: true,
    thresholdMilliCredits: 100_000,
    inFlight: false,
    creditPackage: { key: 'auto_top_up_500' },
  });
  return { account, cookie };
}
