import { Form, Link, useNavigation } from '@remix-run/react';
import type { PaymentRowFragment } from '~/graphql/generated';
import { useFormat } from '~/lib/formatContext';
import { paymentTypeLabel, refundableAmount } from '~/lib/payments';
import { Field, FormError } from './forms';

/**
 * Refunding one payment (the one `?refund=<id>` names), in full or in part: the amount is optional, and
 * empty refunds everything left. A reason is required; both errors show next to their fields.
 */
export function RefundForm({
  payment,
  idempotencyKey,
  failure,
}: {
  payment: PaymentRowFragment;
  idempotencyKey: string;
  failure: { formError: string; fieldErrors: Record<string, string | undefined> } | null;
}) {
  const { formatDate, formatMoney } = useFormat();
  const submitting = useNavigation().formData?.get('intent') === 'refund';
  const errors = failure?.fieldErrors ?? {};
  const left = formatMoney({ amount: refundableAmount(payment), currency: payment.amount.currency });
  return (
    <section className="refund" id="refund" aria-labelledby="refund-title">
      <h3 id="refund-title">
        Refund {paymentTypeLabel(payment).toLowerCase()} of {formatMoney(payment.amount)} (
        {formatDate(payment.createdAt)})
      </h3>
      <Form method="post">
        <input type="hidden" name="intent" value="refund" />
        <input type="hidden" name="paymentId" value={payment.id} />
        <input type="hidden" name="currency" value={payment.amount.currency} />
        <input type="hidden" name="idempotencyKey" value={idempotencyKey} />
        <FormError message={failure && !errors.amount && !errors.reason ? failure.formError : null} />
        <Field
          label={`Amount to refund (${payment.amount.currency.toUpperCase()})`}
          name="amount"
          id="refund-amount"
          inputMode="decimal"
          autoComplete="off"
          hint={`Leave empty to refund all that is left: ${left}.`}
          error={errors.amount}
        />
        <Field
          label="Reason for the refund"
          name="reason"
          id="refund-reason"
          hint="Required. Kept in the audit log."
          error={errors.reason}
        />
        {payment.type === 'CREDIT_TOP_UP' ? (
          <p className="small muted">
            The unspent share of the credits it bought is taken back from the balance.
          </p>
        ) : null}
        <div className="page-actions">
          <button type="submit" className="button button-danger" disabled={submitting}>
            Refund payment
          </button>
          <Link to="?" className="button" preventScrollReset>
            Cancel
          </Link>
        </div>
      </Form>
    </section>
  );
}
