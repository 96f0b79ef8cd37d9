/**
 * Below this balance the dashboard warns that credits run low: the service's default low-balance
 * threshold (server/credits/lowBalance.ts), 100 credits.
 */
export const LOW_BALANCE_MILLI_CREDITS = 100_000;
