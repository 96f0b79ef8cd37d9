import { MAX_CONSECUTIVE_FAILURES, runAutoTopUps, triggerAutoTopUp } from '../../server/credits/autoTopUp';
import { systemActor } from '../../server/auth/actor';
import { grantCredits } from '../../server/credits/grants';
import { createMember, createPartnerKey } from '../factories';
import { accountWithAutoTopUp } from '../support/autoTopUpAccount';
import { useBillingStack } from '../support/billingStack';

const stack = useBillingStack();

const UPDATE = `mutation($input: UpdateAutoTopUpInput!) { updateAutoTopUp(input: $input) { enabled thresholdMilliCredits consecutiveFailures disabledReason inFlight creditPackage { key } } }`;
const autoPackage = async () =>
  (await stack.knex('credit_packages').where({ key: 'auto_top_up_500' }).first()).id as string;

const accountWithCard = (paymentMethod: string) => accountWithAutoTopUp(stack, paymentMethod);

const balanceOf = async (accountId: string) =>
  (await stack.knex('credit_balances').where({ accountId }).first()).balance as number;

describe('automatic top-up', () => {
  it('buys 500 credits for $20 when the balance is below the threshold, one purchase at a time', async () => {
    const { account } = await accountWithCard('pm_card_visa');
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () => triggerAutoTopUp({ accountId: account.id })),
    );
    expect(attempts.filter(Boolean)).toHaveLength(1);
    await stack.settle();
    expect(await balanceOf(account.id)).toBe(500_000);
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([
      expect.objectContaining({
        type: 'credit_top_up',
        automatic: true,
        status: 'completed',
        amount: 2000,
        credits: 500_000,
      }),
    ]);
    // Above the threshold now: nothing more is bought.
    expect(await triggerAutoTopUp({ accountId: account.id })).toBeNull();
    expect(await stack.knex('auto_top_up_settings').where({ accountId: account.id }).first()).toMatchObject({
      inFlightPaymentId: null,
      consecutiveFailures: 0,
    });
  });

  it('records failures, tells the customer, and switches itself off after three in a row', async () => {
    const { account, cookie } = await accountWithCard('pm_card_chargeCustomerFail');
    for (let attempt = 1; attempt <= MAX_CONSECUTIVE_FAILURES; attempt += 1) {
      const payment = await triggerAutoTopUp({ accountId: account.id });
      expect(payment).toMatchObject({ status: 'failed', failureReason: expect.stringMatching(/declined/i) });
    }
    await stack.settle();
    expect(await triggerAutoTopUp({ accountId: account.id })).toBeNull();
    expect(await runAutoTopUps()).toBe(0);
    const { data } = await stack.app.graphql(
      'query($id: ID) { account(id: $id) { autoTopUp { enabled consecutiveFailures disabledReason } creditBalance { milliCredits } } }',
      { id: account.id },
      { cookie },
    );
    expect(data!.account).toMatchObject({
      autoTopUp: {
        enabled: false,
        consecutiveFailures: 3,
        disabledReason: expect.stringContaining('Switched off after 3 failed payments'),
      },
      creditBalance: { milliCredits: 0 },
    });
    const notices = await stack.knex('notifications').where({ accountId: account.id }).select('kind');
    expect(notices.map((notice) => notice.kind).sort()).toEqual([
      'credits.auto_top_up_disabled',
      'credits.auto_top_up_failed',
      'credits.auto_top_up_failed',
    ]);
  });

  it('starts as soon as a consumption takes the balance below the threshold', async () => {
    const { account } = await accountWithCard('pm_card_visa');
    await grantCredits({
      actor: systemActor('test'),
      accountId: account.id,
      source: 'promotion',
      amount: 150_000,
      idempotencyKey: 'welcome',
    });
    const partner = (await createPartnerKey({ scopes: ['credits:write'], accountId: account.id })).secret;
    const consume = (amount: number, key: string) =>
      stack.app.graphql(
        'mutation($input: ConsumeCreditsInput!) { consumeCredits(input: $input) { balanceAfterMilliCredits } }',
        { input: { accountId: account.id, amountMilliCredits: amount, idempotencyKey: key } },
        { apiKey: partner },
      );
    expect((await consume(40_000, 'above')).data!.consumeCredits.balanceAfterMilliCredits).toBe(110_000);
    expect(await stack.knex('payments').where({ accountId: account.id })).toEqual([]);
    const charged = stack.nextStripeEvent(
      'payment_intent.succeeded',
      (intent) => intent.metadata?.account_id === account.id,
    );
    expect((await consume(20_000, 'below')).data!.consumeCredits.balanceAfterMilliCredits).toBe(90_000);
    await charged;
    await stack.settle();
    expect(await balanceOf(account.id)).toBe(590_000);
  });

  it('is started by the job for every account below its threshold', async () => {
    const { account } = await accountWithCard('pm_card_visa');
    expect(await runAutoTopUps()).toBeGreaterThanOrEqual(1);
    await stack.settle();
    expect(await balanceOf(account.id)).toBe(500_000);
  });

  it('refuses packages not meant for automatic top-up', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const manual = (await stack.knex('credit_packages').where({ key: 'credits_500' }).first()).id;
    const { errors } = await stack.app.graphql(
      UPDATE,
      {
        input: { accountId: account.id, enabled: true, thresholdMilliCredits: 1000, creditPackageId: manual },
      },
      { cookie },
    );
    expect(errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: { creditPackageId: 'is not a package for automatic top-ups' },
    });
  });

  it('takes the package by its key, and refuses both or neither of id and key, changing nothing', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const settings = { accountId: account.id, enabled: true, thresholdMilliCredits: 1000 };
    const byKey = await stack.app.graphql(
      UPDATE,
      { input: { ...settings, creditPackageKey: 'auto_top_up_500' } },
      { cookie },
    );
    expect(byKey.errors).toBeUndefined();
    expect(byKey.data!.updateAutoTopUp.creditPackage).toEqual({ key: 'auto_top_up_500' });

    for (const choice of [
      { creditPackageKey: 'credits_500' },
      { creditPackageKey: 'no_such_package' },
      { creditPackageKey: 'auto_top_up_500', creditPackageId: await autoPackage() },
      {},
    ]) {
      const { errors } = await stack.app.graphql(
        UPDATE,
        { input: { ...settings, thresholdMilliCredits: 5000, ...choice } },
        { cookie },
      );
      expect(errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: { creditPackageKey: expect.any(String) },
      });
    }
    expect(await stack.knex('auto_top_up_settings').where({ accountId: account.id }).first()).toMatchObject({
      threshold: 1000,
      creditPackageId: await autoPackage(),
    });
  });

  it('does not set the values again when a call is retried with its key after a later change', async () => {
    const { account, cookie } = await createMember({ role: 'owner' });
    const creditPackageId = await autoPackage();
    const update = (enabled: boolean, idempotencyKey: string) =>
      stack.app.graphql(
        UPDATE,
        {
          input: {
            accountId: account.id,
            enabled,
            thresholdMilliCredits: 50_000,
            creditPackageId,
            idempotencyKey,
          },
        },
        { cookie },
      );
    expect((await update(true, 'turn-on')).data!.updateAutoTopUp.enabled).toBe(true);
    expect((await update(false, 'turn-off')).data!.updateAutoTopUp.enabled).toBe(false);

    const lateRetry = await update(true, 'turn-on');
    expect(lateRetry.errors).toBeUndefined();
    expect(lateRetry.data!.updateAutoTopUp.enabled).toBe(false);
    expect((await stack.knex('auto_top_up_settings').where({ accountId: account.id }).first()).enabled).toBe(
      false,
    );
  });
});
