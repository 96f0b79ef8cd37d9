import { getCardOnFile } from '../../payments/cardOnFile';
import { listPayments } from '../../payments/paymentHistory';
import { requestRefund } from '../../payments/refundRequests';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';
import { loadOptional } from '../loaders';
import { moneyFields } from '../money';

export const paymentResolvers: Resolvers = {
  Mutation: {
    refundPayment: (_parent, { input }, { actor }) => requestRefund({ actor, ...input }),
  },
  Account: {
    payments: (account, { first, after }, { actor }) =>
      listPayments({ actor, accountId: account.id, first, after }),
    cardOnFile: (account, _args, { actor }) => getCardOnFile({ actor, accountId: account.id }),
  },
  Payment: {
    ...moneyFields('amount', 'amountRefunded'),
    milliCredits: (payment) => payment.credits,
    invoice: (payment, _args, { loaders }) => loadOptional(loaders.invoiceById, payment.invoiceId),
  },
  PaymentConnection: connectionResolvers(),
  PaymentType: {
    SUBSCRIPTION_PAYMENT: 'subscription_payment',
    SUBSCRIPTION_UPGRADE: 'subscription_upgrade',
    SUBSCRIPTION_DOWNGRADE: 'subscription_downgrade',
    SUBSCRIPTION_CANCEL: 'subscription_cancel',
    CREDIT_TOP_UP: 'credit_top_up',
    REFUND: 'refund',
  },
  PaymentStatus: {
    PENDING: 'pending',
    COMPLETED: 'completed',
    FAILED: 'failed',
    REFUNDED: 'refunded',
    CANCELLED: 'cancelled',
  },
};
