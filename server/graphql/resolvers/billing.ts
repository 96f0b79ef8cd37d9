import { isBalanceLow } from '../../credits/lowBalance';
import { NotFoundError } from '../../errors';
import { isTrialWithoutCard } from '../../subscriptions/managedSubscription';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

/** Read-only views of subscriptions, credits, invoices and usage; their parents were authorized already. */
export const billingResolvers: Resolvers = {
  BillingSubscription: {
    plan: async (subscription, _args, { loaders }) => {
      const plan = await loaders.planById.load(subscription.planId);
      if (!plan) throw new NotFoundError('Plan');
      return plan;
    },
    scheduledChange: async (subscription, _args, { loaders }) => {
      if (!subscription.scheduledChangeAt) return null;
      const plan = await loaders.planById.load(subscription.scheduledPlanId ?? subscription.planId);
      if (!plan) throw new NotFoundError('Plan');
      return {
        plan,
        quantity: subscription.scheduledQuantity ?? subscription.quantity,
        effectiveAt: subscription.scheduledChangeAt,
      };
    },
    trialWithoutCard: (subscription) => isTrialWithoutCard(subscription),
  },
  CreditBalance: {
    milliCredits: (balance) => balance.balance,
    lowBalanceThresholdMilliCredits: (balance, _args, { loaders }) =>
      loaders.lowBalanceThresholdByAccountId.load(balance.accountId),
    low: async (balance, _args, { loaders }) =>
      isBalanceLow(balance, await loaders.lowBalanceThresholdByAccountId.load(balance.accountId)),
  },
  Invoice: {
    subtotal: (invoice) => ({ amount: invoice.subtotal, currency: invoice.currency }),
    tax: (invoice) => ({ amount: invoice.tax, currency: invoice.currency }),
    total: (invoice) => ({ amount: invoice.total, currency: invoice.currency }),
    amountPaid: (invoice) => ({ amount: invoice.amountPaid, currency: invoice.currency }),
    amountDue: (invoice) => ({ amount: invoice.amountDue, currency: invoice.currency }),
    lines: (invoice, _args, { loaders }) => loaders.linesByInvoiceId.load(invoice.id),
  },
  InvoiceLine: {
    amount: (line) => ({ amount: line.amount, currency: line.currency }),
  },
  InvoiceConnection: connectionResolvers(),
};
