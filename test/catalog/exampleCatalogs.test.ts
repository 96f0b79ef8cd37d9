import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemActor } from '../../server/auth/actor';
import {
  applyCatalogChanges,
  changesAnything,
  parseCatalogFile,
  planCatalogChanges,
} from '../../server/catalog/catalogFile';
import { advanceTestClock, submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember } from '../factories';
import { useBillingStack } from '../support/billingStack';
import { DAY_MS, useFollowingClock } from '../support/subscribedAccount';

/**
 * The example catalogs of docs/examples/catalogs/, one per product the service was planned for: each
 * applies to an empty catalog (and a second time changes nothing), and a paid plan of each is bought
 * through Checkout and charged to the cent (after its trial, when it has one).
 */
const EXAMPLES: Array<[file: string, planKey: string, amount: number]> = [
  ['localboxs.yaml', 'pro', 1900],
  ['event-platform.yaml', 'enterprise', 99_900],
  ['pixell.yaml', 'pro', 9900],
  ['todo-015.yaml', 'pro', 4900],
];

const START_CHECKOUT = `mutation($input: StartSubscriptionCheckoutInput!) {
  startSubscriptionCheckout(input: $input) { url } }`;
const unix = (date: Date) => Math.floor(date.getTime() / 1000);

describe.each(EXAMPLES)('the example catalog %s', (fileName, planKey, amount) => {
  const stack = useBillingStack({ catalog: 'empty' });
  const time = useFollowingClock();

  it('applies cleanly to an empty catalog, and a second time changes nothing', async () => {
    const text = await readFile(join(__dirname, '../../docs/examples/catalogs', fileName), 'utf8');
    const file = parseCatalogFile(text);
    const changes = await planCatalogChanges(file);
    expect(changes.plans.map((change) => change.action)).toEqual(changes.plans.map(() => 'publish'));
    await applyCatalogChanges({ actor: systemActor('example catalog test'), file, changes });

    expect(await stack.knex('plans').where({ active: true }).pluck('key')).toEqual(
      expect.arrayContaining([...file.plans.keys()]),
    );
    expect(await stack.knex('plans').where({ active: true, isDefault: true }).pluck('key')).toEqual(['free']);
    expect(changesAnything(await planCatalogChanges(parseCatalogFile(text)))).toBe(false);
  });

  it(`sells ${planKey} through Checkout, charged to the cent`, async () => {
    const plan = await stack.knex('plans').where({ key: planKey, active: true }).first();
    const { account, cookie } = await createMember({ role: 'owner' });
    // The customer follows a test clock, so that a trial can end without waiting for it.
    const testClock = await stack.stripe.testHelpers.testClocks.create({
      frozen_time: unix(time.clock.now()),
    });
    const customer = await stack.stripe.customers.create({
      name: account.name,
      test_clock: testClock.id,
      metadata: { account_id: account.id },
    });
    await stack.knex('accounts').where({ id: account.id }).update({ stripeCustomerId: customer.id });

    const started = await stack.app.graphql(
      START_CHECKOUT,
      { input: { accountId: account.id, planId: plan.id } },
      { cookie },
    );
    expect(started.errors).toBeUndefined();
    expect((await submitCheckoutForm(started.data!.startSubscriptionCheckout.url)).status).toBe(303);
    await stack.settle();
    if (plan.trialDays > 0) {
      const afterTrial = new Date(time.clock.now().getTime() + (plan.trialDays + 1) * DAY_MS);
      time.clock.set(afterTrial);
      await advanceTestClock(stack.stripe, testClock.id, unix(afterTrial));
      await stack.settle();
    }

    expect(
      await stack.knex('subscriptions').where({ accountId: account.id, status: 'active' }).first(),
    ).toMatchObject({ planId: plan.id });
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({ status: 'completed', amount, currency: 'usd' }),
    ]);
  });
});
