import { adjustCredits } from '../../credits/adjustments';
import { consumeCredits } from '../../credits/consumption';
import { listCreditGrants, listCreditLedger } from '../../credits/ledger';
import { connectionResolvers } from '../connections';
import type { Resolvers } from '../generated/resolvers';

export const creditResolvers: Resolvers = {
  Mutation: {
    consumeCredits: (_parent, { input: { amountMilliCredits, ...input } }, { actor }) =>
      consumeCredits({ actor, ...input, amount: amountMilliCredits }),
    adjustCredits: (_parent, { input: { amountMilliCredits, ...input } }, { actor }) =>
      adjustCredits({ actor, ...input, amount: amountMilliCredits }),
  },
  Account: {
    creditLedger: (account, args, { actor }) => listCreditLedger({ actor, accountId: account.id, ...args }),
    creditGrants: (account, _args, { actor }) => listCreditGrants({ actor, accountId: account.id }),
  },
  ConsumeCreditsPayload: {
    chargedMilliCredits: (result) => result.amount,
    balanceAfterMilliCredits: (result) => result.balanceAfter,
  },
  CreditLedgerEntry: {
    id: (entry) => String(entry.id),
    type: (entry) => entry.entryType,
    amountMilliCredits: (entry) => entry.amount,
    balanceAfterMilliCredits: (entry) => entry.balanceAfter,
  },
  CreditLedgerConnection: connectionResolvers(),
  CreditGrant: {
    amountMilliCredits: (grant) => grant.amount,
    remainingMilliCredits: (grant) => grant.remaining,
  },
  CreditLedgerEntryType: {
    GRANT: 'grant',
    CONSUMPTION: 'consumption',
    EXPIRY: 'expiry',
    ADJUSTMENT: 'adjustment',
    REFUND_CLAWBACK: 'refund_clawback',
  },
  CreditGrantSource: {
    PLAN_ALLOWANCE: 'plan_allowance',
    PURCHASE: 'purchase',
    PROMOTION: 'promotion',
    MANUAL_ADJUSTMENT: 'manual_adjustment',
    REFUND: 'refund',
  },
};
