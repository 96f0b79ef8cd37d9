import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData, useRevalidator } from '@remix-run/react';
import { useEffect } from 'react';
import { Notice } from '~/components/forms';
import { CheckoutProgressDocument } from '~/graphql/generated';
import { query, requireAccount } from '~/lib/api.server';
import { useFormat } from '~/lib/formatContext';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Payment received — Billing' }];

const POLL_INTERVAL_MS = 1500;

/**
 * Stripe sends the customer here as soon as they pay; the purchase is applied when Stripe's webhook
 * lands, usually a moment later. Until then the page checks again (with JavaScript, quietly; without,
 * by refreshing), then shows the new plan or balance.
 */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const { accountId } = await requireAccount(context, request);
  const checkoutId = new URL(request.url).searchParams.get('checkout');
  if (!checkoutId) throw safeRedirect('/billing');
  const { account } = await query(context, request, CheckoutProgressDocument, { accountId, checkoutId });
  if (!account.checkoutSession)
    throw new Response('We could not find that checkout for your account.', { status: 404 });
  return {
    checkout: account.checkoutSession,
    subscription: account.subscription,
    balance: account.creditBalance.milliCredits,
  };
}

export default function CheckoutSuccess() {
  const { formatCredits } = useFormat();
  const { checkout, subscription, balance } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const waiting = checkout.status === 'OPEN';

  useEffect(() => {
    if (!waiting) return;
    const timer = setTimeout(() => revalidator.revalidate(), POLL_INTERVAL_MS);
    return () => clearTimeout(timer);
  }, [waiting, revalidator]);

  if (waiting) {
    return (
      <div className="narrow card" aria-busy="true">
        <noscript>
          <meta httpEquiv="refresh" content="2" />
        </noscript>
        <h1>Confirming your payment…</h1>
        <p className="muted">
          Stripe has your payment; we are applying it to your account. This page updates by itself in a
          moment.
        </p>
      </div>
    );
  }
  if (checkout.status === 'EXPIRED') {
    return (
      <div className="narrow card">
        <h1>The payment did not go through</h1>
        <p>Nothing was charged and your account is unchanged.</p>
        <Link to="/pricing" className="button button-primary">
          Try again
        </Link>
      </div>
    );
  }
  return (
    <div className="narrow card">
      <h1>Thank you!</h1>
      {checkout.purpose === 'CREDIT_TOP_UP' ? (
        <Notice tone="success">
          {checkout.creditPackage
            ? `${formatCredits(checkout.creditPackage.milliCredits)} credits were added. `
            : 'Your credits were added. '}
          Your balance is now <strong>{formatCredits(balance)} credits</strong>.
        </Notice>
      ) : (
        <Notice tone="success">
          You are now on <strong>{subscription?.plan.name ?? checkout.plan?.name}</strong>
          {subscription?.status === 'TRIALING' ? ', starting with your free trial' : ''}.
        </Notice>
      )}
      <Link to="/billing" className="button button-primary">
        Go to billing
      </Link>
    </div>
  );
}
