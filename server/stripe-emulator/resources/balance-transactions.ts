import { z } from 'zod';
import type { Context } from '../context';
import type { ApiRoutes } from '../http/api';
import { inRange, p } from '../http/params';
import { settleBalanceTransaction } from '../payments/balance';
import { listWith } from './shared';

export function registerBalanceTransactions(routes: ApiRoutes, ctx: Context): void {
  const { store } = ctx;

  routes.get('/v1/balance_transactions/:id', ({ params }) => {
    const transaction = store.require('balance_transaction', params.id);
    settleBalanceTransaction(ctx, transaction);
    return transaction;
  });

  routes.get('/v1/balance_transactions', ({ body }) =>
    listWith(
      body,
      {
        type: z.string().optional(),
        source: z.string().optional(),
        currency: z.string().optional(),
        created: p.range().optional(),
      },
      '/v1/balance_transactions',
      (filters) =>
        store
          .list('balance_transaction')
          .filter((transaction) => filters.type === undefined || transaction.type === filters.type)
          .filter((transaction) => filters.source === undefined || transaction.source === filters.source)
          .filter(
            (transaction) =>
              filters.currency === undefined || transaction.currency === filters.currency.toLowerCase(),
          )
          .filter((transaction) => inRange(transaction.created, filters.created))
          .map((transaction) => {
            settleBalanceTransaction(ctx, transaction);
            return transaction;
          }),
    ),
  );
}
