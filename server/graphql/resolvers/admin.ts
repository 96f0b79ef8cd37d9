import { readAccountAuditLog } from '../../admin/accountAuditLog';
import { searchAccounts } from '../../admin/accountSearch';
import { checkSystemHealth } from '../../admin/systemHealth';
import { requirePlatformAdmin } from '../../auth/authorization';
import type { Resolvers } from '../generated/resolvers';

/** The admin console's read side: accounts, an account's audit log, system health. Platform admins only. */
export const adminResolvers: Resolvers = {
  Query: {
    adminAccounts: (_parent, args, { actor }) => searchAccounts({ actor, ...args }),
    systemHealth: (_parent, _args, { actor }) => {
      requirePlatformAdmin(actor);
      return checkSystemHealth();
    },
  },
  Account: {
    auditLog: (account, { first, after }, { actor }) => readAccountAuditLog({ actor, accountId: account.id, first, after }),
  },
  AdminAccountConnection: {
    edges: (page) => page.nodes.map((node) => ({ cursor: page.cursorOf(node), node })),
    pageInfo: (page) => ({ hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
  },
  AuditLogConnection: {
    edges: (page) => page.nodes.map((node) => ({ cursor: String(node.id), node })),
    pageInfo: (page) => ({ hasNextPage: page.hasNextPage, endCursor: page.endCursor }),
  },
  AuditLogEntry: {
    id: (entry) => String(entry.id),
    detailsJson: (entry) => JSON.stringify(entry.details ?? {}),
  },
  StripeMode: { REAL: 'real', EMULATED: 'emulated' },
};
