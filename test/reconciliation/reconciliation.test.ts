import { submitCheckoutForm } from '../../server/stripe-emulator/testing';
import { createMember, createUser, sessionCookieFor } from '../factories';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

const RUN = `mutation { runReconciliation { balanced accountsChecked paymentsComparedWithStripe differences { check accountId subject expected actual } } }`;

describe('reconciliation of the books', () => {
  it('finds the books balanced after real purchases, and reports (without fixing) what was tampered with', async () => {
    const admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
    const { account, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = (await stack.knex('credit_packages').where({ key: 'credits_1000' }).first()).id;
    const { data } = await stack.app.graphql(
      'mutation($input: StartCreditPackageCheckoutInput!) { startCreditPackageCheckout(input: $input) { url } }',
      { input: { accountId: account.id, creditPackageId } },
      { cookie },
    );
    await submitCheckoutForm(data!.startCreditPackageCheckout.url);
    await stack.settle();

    const clean = await stack.app.graphql(RUN, {}, admin);
    expect(clean.data!.runReconciliation).toMatchObject({
      balanced: true,
      differences: [],
      paymentsComparedWithStripe: 1,
    });

    // What a bug or a hand-edit could do: a balance off by one credit, a purchase recorded with the wrong amount.
    await stack.knex('credit_balances').where({ accountId: account.id }).update({ balance: 999_000 });
    await stack.knex('payments').where({ accountId: account.id }).update({ amount: 1700 });
    const tampered = await stack.app.graphql(RUN, {}, admin);
    expect(tampered.data!.runReconciliation.balanced).toBe(false);
    expect(tampered.data!.runReconciliation.differences).toEqual(
      expect.arrayContaining([
        {
          check: 'balance equals the sum of the ledger',
          accountId: account.id,
          subject: 'credit balance',
          expected: '1000000',
          actual: '999000',
        },
        expect.objectContaining({
          check: 'payment amount matches Stripe',
          accountId: account.id,
          expected: '1800',
          actual: '1700',
        }),
      ]),
    );
    // Nothing was "fixed".
    expect((await stack.knex('credit_balances').where({ accountId: account.id }).first()).balance).toBe(
      999_000,
    );
    const latest = await stack.app.graphql('{ reconciliation { balanced } }', {}, admin);
    expect(latest.data!.reconciliation.balanced).toBe(false);
  });
});
