import { getCheckoutSession } from '../../checkout/checkoutSessions';
import { CheckoutSession } from '../../checkout/CheckoutSession';
import { startCreditPackageCheckout } from '../../checkout/creditCheckout';
import { startSubscriptionCheckout } from '../../checkout/subscriptionCheckout';
import { CreditPackage } from '../../catalog/CreditPackage';
import { withIdempotency } from '../../idempotency/idempotentRequests';
import type { Resolvers } from '../generated/resolvers';

export const checkoutResolvers: Resolvers = {
  Mutation: {
    startSubscriptionCheckout: async (_parent, { input: { idempotencyKey, ...input } }, { actor }) => {
      const started = await withIdempotency({
        actor,
        idempotencyKey,
        operation: 'startSubscriptionCheckout',
        input,
        work: () => startSubscriptionCheckout({ actor, ...input }),
      });
      return {
        checkoutSession: await CheckoutSession.query().findById(started.checkoutSessionId).throwIfNotFound(),
        url: started.url,
      };
    },
    startCreditPackageCheckout: async (_parent, { input: { idempotencyKey, ...input } }, { actor }) => {
      const started = await withIdempotency({
        actor,
        idempotencyKey,
        operation: 'startCreditPackageCheckout',
        input,
        work: () => startCreditPackageCheckout({ actor, ...input }),
      });
      return {
        checkoutSession: await CheckoutSession.query().findById(started.checkoutSessionId).throwIfNotFound(),
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
    creditPackage: async (checkout) =>
      checkout.creditPackageId
        ? ((await CreditPackage.query().findById(checkout.creditPackageId)) ?? null)
        : null,
  },
};
