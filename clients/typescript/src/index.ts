export {
  createBillingClient,
  type AccountRef,
  type BillingClient,
  type BillingClientOptions,
  type PageArgs,
} from './client';
export {
  BILLING_ERROR_CODES,
  BillingApiError,
  isBillingApiError,
  type BillingErrorCode,
  type GraphQLErrorEntry,
} from './errors';
export * from './webhooks';
export * from './generated';
