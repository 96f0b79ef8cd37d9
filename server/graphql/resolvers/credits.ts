import { adjustCredits } from '../../credits/adjustments';
import { requestAutoTopUpUpdate } from '../../credits/autoTopUpRequests';
import { getCreditBalance } from '../../credits/balances';
import { getAutoTopUp } from '../../credits/configureAutoTopUp';
import { consumeCredits, consumeCreditsBatch } from '../../credits/consumption';
import { DomainError, InsufficientCreditsError, InternalError, ValidationError } from '../../errors';
import { listCreditGrants, listCreditLedger } from '../../credits/ledger';
import { isBalanceLow } from '../../credits/lowBalance';
import { withAccountId } from '../accountReference';
import { connectionResolvers } from '../connections';
import type { ConsumptionError, Resolvers } from '../generated/resolvers';
import { loadNamed } from '../loaders';

export const creditResolvers: Resolvers = {
  Mutation: {
    consumeCredits: (_parent, { input: { amountMilliCredits, ...input } }, { actor }) =>
      consumeCredits({ actor, ...input, amount: amountMilliCredits }),
    consumeCreditsBatch: (_parent, { input }, { actor }) =>
      consumeCreditsBatch({
        actor,
        consumptions: input.consumptions.map(({ amountMilliCredits, ...consumption }) => ({
          ...consumption,
          amount: amountMilliCredits,
        })),
      }),
    adjustCredits: async (_parent, { input: { amountMilliCredits, ...input } }, { actor }) =>
      adjustCredits({ actor, ...(await withAccountId(actor, input)), amount: amountMilliCredits }),
    updateAutoTopUp: async (_parent, { input }, { actor }) =>
      requestAutoTopUpUpdate({ actor, ...(await withAccountId(actor, input)) }),
  },
  Account: {
    creditBalance: (account, _args, { actor }) => getCreditBalance({ actor, accountId: account.id }),
    creditLedger: (account, args, { actor }) => listCreditLedger({ actor, accountId: account.id, ...args }),
    creditGrants: (account, _args, { actor }) => listCreditGrants({ actor, accountId: account.id }),
    autoTopUp: (account, _args, { actor }) => getAutoTopUp({ actor, accountId: account.id }),
  },
  CreditBalance: {
    milliCredits: (balance) => balance.balance,
    lowBalanceThresholdMilliCredits: (balance, _args, { loaders }) =>
      loaders.lowBalanceThresholdByAccountId.load(balance.accountId),
    low: async (balance, _args, { loaders }) =>
      isBalanceLow(balance, await loaders.lowBalanceThresholdByAccountId.load(balance.accountId)),
  },
  ConsumeCreditsPayload: {
    chargedMilliCredits: (result) => result.amount,
    balanceAfterMilliCredits: (result) => result.balanceAfter,
  },
  ConsumeCreditsBatchPayload: {
    succeeded: (batch) => batch.results.filter((outcome) => outcome.result !== null).length,
    failed: (batch) => batch.results.filter((outcome) => outcome.result === null).length,
  },
  ConsumeCreditsBatchResult: {
    consumption: (outcome) => outcome.result,
    // Returned as data: an Error returned by a resolver would be raised as the field's error instead.
    error: (outcome, _args, { logger }) => {
      if (outcome.result !== null) return null;
      if (outcome.error instanceof DomainError) return consumptionError(outcome.error);
      logger.error({ err: outcome.error, index: outcome.index }, 'unexpected error in a batch consumption');
      return consumptionError(new InternalError());
    },
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
  AutoTopUp: {
    thresholdMilliCredits: (settings) => settings.threshold,
    creditPackage: (settings, _args, { loaders }) =>
      loadNamed(loaders.creditPackageById, settings.creditPackageId, 'Credit package'),
    inFlight: (settings) => settings.inFlightPaymentId !== null,
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

/** A consumption's error as a batch reports it, with what the error's extensions would have said. */
function consumptionError(error: DomainError): ConsumptionError {
  return {
    code: error.code,
    message: error.message,
    field: error instanceof ValidationError ? (Object.keys(error.fieldErrors)[0] ?? null) : null,
    balanceMilliCredits: error instanceof InsufficientCreditsError ? error.balance : null,
    requiredMilliCredits: error instanceof InsufficientCreditsError ? error.required : null,
  };
}
