import { createAccount, createPlan, ensureDefaultPlan } from '../factories';
import { useTestDatabase } from '../support/database';

/**
 * What must never happen is refused by Postgres itself, whatever the code above it does.
 */
const db = useTestDatabase();

async function expectRefused(work: Promise<unknown>, constraint: RegExp): Promise<void> {
  await expect(work).rejects.toThrow(constraint);
}

describe('the database refuses', () => {
  it('a negative credit balance', async () => {
    const account = await createAccount();
    await expectRefused(
      db.knex('credit_balances').where({ accountId: account.id }).update({ balance: -1 }),
      /credit_balances_balance_check/,
    );
    expect(await db.knex('credit_balances').where({ accountId: account.id }).first()).toMatchObject({
      balance: 0,
    });
  });

  it('a ledger entry whose balance after it is negative', async () => {
    const account = await createAccount();
    await expectRefused(
      db
        .knex('credit_ledger_entries')
        .insert({ accountId: account.id, entryType: 'consumption', amount: -5, balanceAfter: -5 }),
      /credit_ledger_entries_balance_after_check/,
    );
  });

  it('a second ledger entry with the same idempotency key in one account, but not in another', async () => {
    const [first, second] = [await createAccount(), await createAccount()];
    const entry = { entryType: 'adjustment', amount: 1000, balanceAfter: 1000, idempotencyKey: 'key-1' };
    await db.knex('credit_ledger_entries').insert({ accountId: first.id, ...entry });
    await expectRefused(
      db.knex('credit_ledger_entries').insert({ accountId: first.id, ...entry }),
      /credit_ledger_entries_account_id_idempotency_key_key/,
    );
    await expect(
      db.knex('credit_ledger_entries').insert({ accountId: second.id, ...entry }),
    ).resolves.toBeDefined();
  });

  it('editing or deleting ledger entries and audit log rows', async () => {
    const account = await createAccount();
    const [entry] = await db
      .knex('credit_ledger_entries')
      .insert({ accountId: account.id, entryType: 'adjustment', amount: 10, balanceAfter: 10 })
      .returning('id');
    await expectRefused(
      db.knex('credit_ledger_entries').where({ id: entry.id }).update({ amount: 20 }),
      /append-only/,
    );
    await expectRefused(db.knex('credit_ledger_entries').where({ id: entry.id }).delete(), /append-only/);
    await expectRefused(
      db.knex('audit_log').where({ accountId: account.id }).update({ action: 'rewritten' }),
      /append-only/,
    );
  });

  it('a duplicate usage event idempotency key in one account', async () => {
    const account = await createAccount();
    const [meter] = await db
      .knex('meters')
      .insert({ key: `m${Date.now()}`, name: 'M', aggregation: 'sum' })
      .returning('id');
    const event = {
      accountId: account.id,
      meterId: meter.id,
      quantity: 1,
      occurredAt: new Date(),
      idempotencyKey: 'evt-1',
    };
    await db.knex('usage_events').insert(event);
    await expectRefused(db.knex('usage_events').insert(event), /usage_events_account_id_idempotency_key_key/);
  });

  it('a second current subscription for one account, while ended ones may pile up', async () => {
    const account = await createAccount();
    const plan = await createPlan();
    const subscription = { accountId: account.id, planId: plan.id, currentPeriodStart: new Date() };
    await expectRefused(
      db.knex('subscriptions').insert({ ...subscription, status: 'trialing' }),
      /subscriptions_one_current_per_account/,
    );
    await db.knex('subscriptions').insert({ ...subscription, status: 'canceled', endedAt: new Date() });
    await db.knex('subscriptions').insert({ ...subscription, status: 'expired', endedAt: new Date() });
    expect(
      await db
        .knex('subscriptions')
        .where({ accountId: account.id })
        .count<{ count: number }[]>('* as count'),
    ).toEqual([{ count: 3 }]);
  });

  it('a float or negative price, and a credit package without credits', async () => {
    await expectRefused(createPlan({ priceAmount: 9.99 }), /invalid input syntax for type bigint/);
    await expectRefused(createPlan({ priceAmount: -1 }), /plans_price_amount_check/);
    await expectRefused(
      db.knex('credit_packages').insert({ key: 'none', name: 'None', credits: 0, priceAmount: 100 }),
      /credit_packages_credits_check/,
    );
  });

  it('a limit per resource without its type, a scope or buffer on another kind, a buffer above 100%', async () => {
    const plan = await createPlan({});
    const entitlement = (row: Record<string, unknown>) =>
      db.knex('plan_entitlements').insert({ planId: plan.id, featureKey: 'participants', ...row });
    await expectRefused(
      entitlement({ kind: 'limit', limitValue: 5, scope: 'per_resource' }),
      /plan_entitlements_scope_parent/,
    );
    await expectRefused(
      entitlement({ kind: 'boolean', scope: 'per_resource', scopeResourceType: 'room' }),
      /plan_entitlements_scope_parent/,
    );
    await expectRefused(
      entitlement({ kind: 'credits', creditAllowance: 1000, overageBufferPercent: 10 }),
      /plan_entitlements_buffer_on_limits/,
    );
    await expectRefused(
      entitlement({ kind: 'limit', limitValue: 5, overageBufferPercent: 101 }),
      /plan_entitlements_overage_buffer_percent_check/,
    );
    await expect(
      entitlement({
        kind: 'limit',
        limitValue: 5,
        scope: 'per_resource',
        scopeResourceType: 'room',
        overageBufferPercent: 10,
      }),
    ).resolves.toBeDefined();
  });

  it('a second default plan', async () => {
    await ensureDefaultPlan();
    await expectRefused(createPlan({ isDefault: true, key: 'another-default' }), /plans_one_default/);
    await expect(
      createPlan({ isDefault: true, key: 'retired-default', active: false }),
    ).resolves.toBeDefined();
  });
});
