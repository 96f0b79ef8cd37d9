import { readAccountAuditLog } from '../../admin/accountAuditLog';
import { searchAccounts } from '../../admin/accountSearch';
import { searchInvoices } from '../../admin/invoiceSearch';
import { searchPayments } from '../../admin/paymentSearch';
import { checkSystemHealth } from '../../admin/systemHealth';
import { connectionResolvers } from '../connections';
import { loadFound } from '../loaders';
import type { Resolvers } from '../generated/resolvers';

/** The admin console's read side: accounts, an account's audit log, system health. Platform admins only. */
export const adminResolvers: Resolvers = {
  Query: {
    adminAccounts: (_parent, args, { actor }) => searchAccounts({ actor, ...args }),
    systemHealth: (_parent, _args, { actor }) => checkSystemHealth({ actor }),
    adminPayments: (_parent, args, { actor }) => searchPayments({ actor, ...args }),
    adminInvoices: (_parent, args, { actor }) => searchInvoices({ actor, ...args }),
  },
  Account: {
    auditLog: (account, { first, after }, { actor }) =>
      readAccountAuditLog({ actor, accountId: account.id, first, after }),
  },
  AdminAccountConnection: connectionResolvers(),
  AuditLogConnection: connectionResolvers(),
  AdminPaymentConnection: connectionResolvers(),
  AdminInvoiceConnection: connectionResolvers(),
  AdminPaymentEdge: {
    account: (edge, _args, { loaders }) => loadFound(loaders.accountById, edge.node.accountId, 'Account'),
  },
  AdminInvoiceEdge: {
    account: (edge, _args, { loaders }) => loadFound(loaders.accountById, edge.node.accountId, 'Account'),
  },
  PaymentKind: { SUBSCRIPTION: 'subscription', CREDIT_PURCHASE: 'credit_purchase', REFUND: 'refund' },
  AuditLogEntry: {
    id: (entry) => String(entry.id),
    detailsJson: (entry) => JSON.stringify(entry.details ?? {}),
    actorName: async (entry, _args, { loaders }) => {
      if (entry.actorType === 'user' && entry.actorId) {
        const user = await loaders.userById.load(entry.actorId);
        return user ? (user.name ?? user.email) : null;
      }
      if (entry.actorType === 'api_key' && entry.actorId)
        return (await loaders.apiKeyById.load(entry.actorId))?.name ?? null;
      return entry.actorId ?? (entry.actorType === 'stripe' ? 'Stripe' : 'The system');
    },
  },
  StripeMode: { REAL: 'real', EMULATED: 'emulated' },
};
