import { getCheckoutSession } from '../../checkout/checkoutSessions';
import { startCreditPackageCheckout } from '../../checkout/creditCheckout';
import { startSubscriptionCheckout } from '../../checkout/subscriptionCheckout';
import { withIdempotency } from '../../idempotency/idempotentRequests';
import { authorizeAccount } from '../../auth/authorization';
import type { Resolvers } from '../generated/resolvers';
import { loadNamed } from '../loaders';

export const checkoutResolvers: Resolvers = {
  Mutation: {
    startSubscriptionCheckout: async (
      _parent,
      { input: { idempotencyKey, ...input } },
      { actor, loaders },
    ) => {
      const started = await withIdempotency({
        actor,
        idempotencyKey,
        operation: 'startSubscriptionCheckout',
        input,
        authorize: () =>
          authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' }),
        work: () => startSubscriptionCheckout({ actor, ...input }),
      });
      return {
        checkoutSession: await loadNamed(loaders.checkoutSessionById, started.checkoutSessionId, 'Checkout'),
        url: started.url,
      };
    },
    startCreditPackageCheckout: async (
      _parent,
      { input: { idempotencyKey, ...input } },
      { actor, loaders },
    ) => {
      const started = await withIdempotency({
        actor,
        idempotencyKey,
        operation: 'startCreditPackageCheckout',
        input,
        authorize: () =>
          authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' }),
        work: () => startCreditPackageCheckout({ actor, ...input }),
      });
      return {
        checkoutSession: await loadNamed(loaders.checkoutSessionById, started.checkoutSessionId, 'Checkout'),
        url: started.url,
      };
    },
  },
  Account: {
    checkoutSession: (account, { id }, { actor }) =>
      getCheckoutSession({ actor, accountId: account.id, checkoutSessionId: id }),
  },
  CheckoutSession: {
    plan: async (checkout, _args, { loaders }) =>
      checkout.planId ? ((await loaders.planById.load(checkout.planId)) ?? null) : null,
    creditPackage: async (checkout, _args, { loaders }) =>
      checkout.creditPackageId
        ? ((await loaders.creditPackageById.load(checkout.creditPackageId)) ?? null)
        : null,
  },
};
