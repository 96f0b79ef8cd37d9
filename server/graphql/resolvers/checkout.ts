import { getCheckoutSession } from '../../checkout/checkoutSessions';
import { requestCreditPackageCheckout, requestSubscriptionCheckout } from '../../checkout/checkoutRequests';
import { withAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';
import { loadOptional } from '../loaders';

export const checkoutResolvers: Resolvers = {
  Mutation: {
    startSubscriptionCheckout: async (_parent, { input }, { actor }) =>
      requestSubscriptionCheckout({ actor, ...(await withAccountId(actor, input)) }),
    startCreditPackageCheckout: async (_parent, { input }, { actor }) =>
      requestCreditPackageCheckout({ actor, ...(await withAccountId(actor, input)) }),
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
