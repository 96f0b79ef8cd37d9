import { getAutoTopUp, updateAutoTopUp } from '../../credits/configureAutoTopUp';
import { getUpcomingInvoice } from '../../invoices/upcomingInvoice';
import { revenueMetrics } from '../../metrics/revenueMetrics';
import { listPayments } from '../../payments/paymentHistory';
import { latestReconciliation, runReconciliation } from '../../reconciliation/reconcileBooks';
import { refundPayment } from '../../payments/refunds';
import { withIdempotency, withIdempotentAnswer } from '../../idempotency/idempotentRequests';
import { authorizeAccount, requirePlatformAdmin } from '../../auth/authorization';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';
import { loadNamed } from '../loaders';

const money = (amount: number, currency: string) => ({ amount, currency });

export const paymentResolvers: Resolvers = {
  Account: {
    autoTopUp: (account, _args, { actor }) => getAutoTopUp({ actor, accountId: account.id }),
    payments: (account, { first, after }, { actor }) =>
      listPayments({ actor, accountId: account.id, first, after }),
    upcomingInvoice: (account, _args, { actor }) => getUpcomingInvoice({ actor, accountId: account.id }),
  },
  Mutation: {
    // A replay does not set the values again; it answers with the settings as they stand now.
    updateAutoTopUp: (_parent, { input: { idempotencyKey, ...input } }, { actor }) =>
      withIdempotentAnswer({
        actor,
        idempotencyKey,
        operation: 'updateAutoTopUp',
        input,
        authorize: () =>
          authorizeAccount({ actor, accountId: input.accountId, permission: 'billing.manage' }),
        work: () => updateAutoTopUp({ actor, ...input }),
        keep: ({ accountId }) => ({ accountId }),
        replay: async ({ accountId }) =>
          (await getAutoTopUp({ actor, accountId, permission: 'billing.manage' }))!,
      }),
    runReconciliation: (_parent, _args, { actor }) => runReconciliation({ actor }),
    refundPayment: async (_parent, { input: { idempotencyKey, ...input } }, { actor, loaders }) => {
      const { paymentId } = await withIdempotency({
        actor,
        idempotencyKey,
        operation: 'refundPayment',
        input,
        authorize: async () => requirePlatformAdmin(actor),
        work: async (attempt) => ({ paymentId: (await refundPayment({ actor, ...input, attempt })).id }),
      });
      return loadNamed(loaders.paymentById, paymentId, 'Payment');
    },
  },
  AutoTopUp: {
    thresholdMilliCredits: (settings) => settings.threshold,
    creditPackage: (settings, _args, { loaders }) =>
      loadNamed(loaders.creditPackageById, settings.creditPackageId, 'Credit package'),
    inFlight: (settings) => settings.inFlightPaymentId !== null,
  },
  ReconciliationReport: {
    accountsChecked: (report) => report.checked.accounts ?? 0,
    paymentsComparedWithStripe: (report) => report.checked.paymentsComparedWithStripe ?? 0,
  },
  ReconciliationDifference: {
    expected: (difference) => String(difference.expected),
    actual: (difference) => String(difference.actual),
  },
  Query: {
    reconciliation: (_parent, _args, { actor }) => latestReconciliation({ actor }),
    revenueMetrics: (_parent, args, { actor }) =>
      revenueMetrics({
        actor,
        from: args.from,
        to: args.to,
        granularity: args.granularity ?? undefined,
        currency: args.currency ?? undefined,
      }),
  },
  Payment: {
    amount: (payment) => money(payment.amount, payment.currency),
    amountRefunded: (payment) => money(payment.amountRefunded, payment.currency),
    milliCredits: (payment) => payment.credits,
    invoice: async (payment, _args, { loaders }) =>
      payment.invoiceId ? ((await loaders.invoiceById.load(payment.invoiceId)) ?? null) : null,
  },
  PaymentConnection: connectionResolvers(),
  UpcomingInvoice: {
    total: (invoice) => money(invoice.total, invoice.currency),
    amountDue: (invoice) => money(invoice.amountDue, invoice.currency),
    lines: (invoice) =>
      invoice.lines.map((line) => ({ ...line, amount: money(line.amount, invoice.currency) })),
  },
  OverageCharge: {
    amount: (charge) => money(charge.amount, charge.currency),
  },
};
