import type { MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';

export const meta: MetaFunction = () => [{ title: 'Checkout canceled — Billing' }];

/** The customer left Stripe's Checkout without paying: nothing happened, and that is all they need to know. */
export default function CheckoutCanceled() {
  return (
    <div className="narrow card">
      <h1>Checkout canceled</h1>
      <p>You were not charged and your account is unchanged.</p>
      <div className="page-actions">
        <Link to="/pricing" className="button button-primary">
          Back to plans
        </Link>
        <Link to="/billing" className="button">
          Go to billing
        </Link>
      </div>
    </div>
  );
}
