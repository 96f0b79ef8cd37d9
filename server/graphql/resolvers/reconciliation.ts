import { latestReconciliation, runReconciliation } from '../../reconciliation/reconcileBooks';
import type { Resolvers } from '../generated/resolvers';

export const reconciliationResolvers: Resolvers = {
  Query: {
    reconciliation: (_parent, _args, { actor }) => latestReconciliation({ actor }),
  },
  Mutation: {
    runReconciliation: (_parent, _args, { actor }) => runReconciliation({ actor }),
  },
  ReconciliationReport: {
    accountsChecked: (report) => report.checked.accounts ?? 0,
    paymentsComparedWithStripe: (report) => report.checked.paymentsComparedWithStripe ?? 0,
  },
  ReconciliationDifference: {
    expected: (difference) => String(difference.expected),
    actual: (difference) => String(difference.actual),
  },
};
