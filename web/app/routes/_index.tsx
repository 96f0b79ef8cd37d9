import type { LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link } from '@remix-run/react';
import { getViewer } from '~/lib/api.server';
import { safeRedirect } from '~/lib/redirects.server';

export const meta: MetaFunction = () => [{ title: 'Billing — plans, usage and credits in one place' }];

export async function loader({ context }: LoaderFunctionArgs) {
  // Signed-in people come for their billing, not the pitch.
  if (await getViewer(context)) throw safeRedirect('/billing');
  return null;
}

export default function Landing() {
  return (
    <>
      <section className="hero">
        <h1>Pay for what you use. See it as you go.</h1>
        <p>
          Start free, upgrade when you need more, and top up credits any time. Your plan, usage and invoices
          are always one click away.
        </p>
        <div className="hero-actions">
          <Link to="/signup" className="button button-primary">
            Start free
          </Link>
          <Link to="/pricing" className="button">
            See pricing
          </Link>
        </div>
      </section>
      <div className="features">
        <section className="card">
          <h2>Clear plans</h2>
          <p className="muted">
            Monthly or yearly, with a free trial on paid plans. Change or cancel whenever you like.
          </p>
        </section>
        <section className="card">
          <h2>Usage you can read</h2>
          <p className="muted">
            Daily charts per meter, what your plan includes, and what is left this period.
          </p>
        </section>
        <section className="card">
          <h2>Credits on demand</h2>
          <p className="muted">
            Buy a credit pack when you need more. Every grant and spend is in your ledger.
          </p>
        </section>
      </div>
    </>
  );
}
