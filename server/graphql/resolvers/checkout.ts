import { getCheckoutSession } from '../../checkout/checkoutSessions';
import { requestCreditPackageCheckout, requestSubscriptionCheckout } from '../../checkout/checkoutRequests';
import type { Resolvers } from '../generated/resolvers';
import { loadOptional } from '../loaders';

export const checkoutResolvers: Resolvers = {
  Mutation: {
    startSubscriptionCheckout: (_parent, { input }, { actor }) =>
      requestSubscriptionCheckout({ actor, ...input }),
    startCreditPackageCheckout: (_parent, { input }, { actor }) =>
      requestCreditPackageCheckout({ actor, ...input }),
  },
  Account: {
    checkoutSession: (account, { id }, { actor }) =>
      getCheckoutSession({ actor, accountId: account.id, checkoutSessionId: id }),
  },
  CheckoutSession: {
    plan: (checkout, _args, { loaders }) => loadOptional(loaders.planById, checkout.planId),
    creditPackage: (checkout, _args, { loaders }) =>
      loadOptional(loaders.creditPackageById, checkout.creditPackageId),
  },
  CheckoutStatus: { OPEN: 'open', COMPLETED: 'completed', EXPIRED: 'expired' },
  CheckoutPurpose: { SUBSCRIPTION: 'subscription', CREDIT_TOP_UP: 'credit_top_up' },
};
