import { requestContractRenewalChange } from '../../contracts/contractRenewal';
import { findOpenContract, requestContract } from '../../contracts/contracts';
import { withAccountId } from '../accountReference';
import type { Resolvers } from '../generated/resolvers';
import { loadFound } from '../loaders';
import { money } from '../money';

export const contractResolvers: Resolvers = {
  Mutation: {
    createContract: async (_parent, { input }, { actor }) =>
      requestContract({ actor, ...(await withAccountId(actor, input)) }),
    updateContract: async (_parent, { input }, { actor }) =>
      requestContractRenewalChange({ actor, ...input }),
  },
  Account: {
    contract: async (account) => (await findOpenContract({ accountId: account.id })) ?? null,
  },
  Contract: {
    plan: (contract, _args, { loaders }) => loadFound(loaders.planById, contract.planId, 'Plan'),
    price: (contract) => money(contract.unitAmount, contract.currency),
    interval: (contract) => contract.billingInterval,
    billing: (contract) => (contract.collectionMethod === 'send_invoice' ? 'invoice' : 'card'),
    limitOverrides: (contract) => contract.entitlementOverrides,
  },
  ContractBilling: { CARD: 'card', INVOICE: 'invoice' },
  ContractStatus: { PENDING: 'pending', ACTIVE: 'active', ENDED: 'ended' },
};
