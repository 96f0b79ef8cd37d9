import {
  createAccount,
  createPartnerKey,
  createUser,
  grantTestCredits,
  sessionCookieFor,
  unique,
} from '../factories';
import { useBillingStack } from '../support/billingStack';
import { interruptions, useInterruptedRequests } from '../support/interruptedRequests';
import type { Caller } from '../support/testApp';

const stack = useBillingStack();

const ADJUST = `mutation($input: AdjustCreditsInput!) {
  adjustCredits(input: $input) { replayed ledgerEntry { id amountMilliCredits balanceAfterMilliCredits } } }`;
const CONSUME = `mutation($input: ConsumeCreditsInput!) {
  consumeCredits(input: $input) { chargedMilliCredits balanceAfterMilliCredits ledgerEntry { id } } }`;

let admin: Caller;
let partner: Caller;
beforeAll(async () => {
  admin = { cookie: await sessionCookieFor(await createUser({ isPlatformAdmin: true })) };
  partner = { apiKey: (await createPartnerKey({ scopes: ['credits:write'] })).secret };
});

/** Sends the request to a process that dies at `point`, or to ours armed to fail there. */
const interrupted = useInterruptedRequests(stack);

async function booksOf(accountId: string) {
  return {
    balance: (await stack.knex('credit_balances').where({ accountId }).first()).balance,
    entries: (await stack.knex('credit_ledger_entries').where({ accountId }).orderBy('id')).map((entry) => [
      entry.entryType,
      entry.amount,
    ]),
    audit: (await stack.knex('audit_log').where({ accountId, action: 'credits.adjusted' })).length,
  };
}

describe('an adjustment retried after it was interrupted', () => {
  it.each(interruptions(['adjustment.beforeCommit', 'adjustment.afterCommit']))(
    'is made once after a %s at %s',
    async (how, point) => {
      const account = await createAccount();
      await grantTestCredits({ accountId: account.id, amount: 10_000 });
      const input = {
        accountId: account.id,
        amountMilliCredits: -4000,
        reason: 'Chargeback',
        idempotencyKey: unique('adj'),
      };
      await interrupted(how, point, [ADJUST, { input }, admin]);

      const retried = await stack.app.graphql(ADJUST, { input }, admin);
      expect(retried.errors).toBeUndefined();
      expect(retried.data!.adjustCredits).toMatchObject({
        replayed: point === 'adjustment.afterCommit',
        ledgerEntry: { amountMilliCredits: -4000, balanceAfterMilliCredits: 6000 },
      });
      expect(await booksOf(account.id)).toEqual({
        balance: 6000,
        entries: [
          ['grant', 10_000],
          ['adjustment', -4000],
        ],
        audit: 1,
      });
    },
  );
});

describe('a consumption retried after it was interrupted', () => {
  it.each(interruptions(['consumption.beforeCommit', 'consumption.afterCommit']))(
    'is made once after a %s at %s',
    async (how, point) => {
      const account = await createAccount();
      await grantTestCredits({ accountId: account.id, amount: 10_000 });
      const input = { accountId: account.id, amountMilliCredits: 2500, idempotencyKey: unique('run') };
      await interrupted(how, point, [CONSUME, { input }, partner]);

      const retried = await stack.app.graphql(CONSUME, { input }, partner);
      expect(retried.errors).toBeUndefined();
      expect(retried.data!.consumeCredits).toMatchObject({
        chargedMilliCredits: 2500,
        balanceAfterMilliCredits: 7500,
      });
      expect(await booksOf(account.id)).toEqual({
        balance: 7500,
        entries: [
          ['grant', 10_000],
          ['consumption', -2500],
        ],
        audit: 0,
      });
    },
  );
});
