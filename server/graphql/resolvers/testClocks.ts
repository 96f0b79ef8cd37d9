import { settings } from '../../settings';
import { advanceTestClock, attachTestClock, testClockOf } from '../../testClocks/testClocks';
import { withAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';

export const testClockResolvers: Resolvers = {
  Query: {
    testClocksAvailable: () => settings().testClocks,
  },
  Mutation: {
    attachTestClock: async (_parent, { input }, { actor }) => {
      const { accountId, startAt } = await withAccountId(actor, input);
      return { account: await attachTestClock({ actor, accountId, startAt }) };
    },
    advanceTestClock: async (_parent, { input }, { actor, logger }) => {
      const { accountId, to } = await withAccountId(actor, input);
      return { account: await advanceTestClock({ actor, accountId, to, logger }) };
    },
  },
  Account: {
    // Who may read it is checked first (server/graphql/fieldPermissions.ts: account.read).
    testClock: (account) => testClockOf(account),
  },
};
