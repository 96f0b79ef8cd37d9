import type { Actor } from '../auth/actor';
import { authorizeAccount } from '../auth/authorization';
import { paginateNewestFirst, type Page } from '../pagination';
import { Payment } from './Payment';

export type PaymentPage = Page<Payment>;

export async function listPayments({
  actor,
  accountId,
  first,
  after,
}: {
  actor: Actor;
  accountId: string;
  first?: number | null;
  after?: string | null;
}): Promise<PaymentPage> {
  await authorizeAccount({ actor, accountId, permission: 'billing.read' });
  return paginateNewestFirst({
    query: Payment.query().where({ accountId }),
    timestampColumn: 'payments.created_at',
    timestampOf: (payment) => payment.createdAt,
    first,
    after,
  });
}
