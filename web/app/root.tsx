import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import {
  Form,
  isRouteErrorResponse,
  Link,
  Links,
  Meta,
  NavLink,
  Outlet,
  Scripts,
  ScrollRestoration,
  useRouteError,
  useLocation,
  useRouteLoaderData,
} from '@remix-run/react';
import type { ReactNode } from 'react';
import { chosenMembership } from '~/lib/accountChoice.server';
import { getViewer } from '~/lib/api.server';
import { DEFAULT_FORMAT, type FormatSettings } from '~/lib/format';
import { FormatProvider, useFormat } from '~/lib/formatContext';
import { negotiateLocale } from '~/lib/locale.server';
import { useNonce } from '~/lib/nonce';
import styles from '~/styles/app.css?url';

const FAVICON = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><path d="M8 1l7 7-7 7-7-7z" fill="#4f46e5"/></svg>')}`;

export const links: LinksFunction = () => [
  { rel: 'stylesheet', href: styles },
  { rel: 'icon', href: FAVICON, type: 'image/svg+xml' },
];

export const meta: MetaFunction = () => [{ title: 'Billing' }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const viewer = await getViewer(context);
  const current = viewer ? await chosenMembership(viewer.memberships, request) : undefined;
  const format: FormatSettings = {
    locale: viewer?.locale ?? negotiateLocale(request.headers.get('Accept-Language')),
    timeZone: current?.account.timeZone ?? DEFAULT_FORMAT.timeZone,
  };
  return {
    format,
    viewer: viewer && {
      email: viewer.user.email,
      name: viewer.user.name,
      isPlatformAdmin: viewer.isPlatformAdmin,
      accountName: current?.account.name ?? null,
      accountId: current?.account.id ?? null,
      // An account on a test clock lives at its clock's date (server/testClocks/); every page says so.
      simulatedDate: current?.account.testClock?.frozenTime ?? null,
      accounts: viewer.memberships.map((membership) => ({
        id: membership.account.id,
        name: membership.account.name,
      })),
    },
  };
}

export function Layout({ children }: { children: ReactNode }) {
  const data = useRouteLoaderData<typeof loader>('root');
  const viewer = data?.viewer ?? null;
  const format = data?.format ?? DEFAULT_FORMAT;
  const nonce = useNonce();
  return (
    <html lang={format.locale}>
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header-inner">
            <Link to={viewer ? '/billing' : '/'} className="brand">
              <span className="brand-mark" aria-hidden="true">
                ◆
              </span>{' '}
              Billing
            </Link>
            <nav aria-label="Main" className="main-nav">
              {viewer ? (
                <SignedInNav
                  isPlatformAdmin={viewer.isPlatformAdmin}
                  hasAccount={Boolean(viewer.accountName)}
                />
              ) : (
                <SignedOutNav />
              )}
            </nav>
            {viewer && viewer.accounts.length > 1 ? (
              <AccountSwitcher accounts={viewer.accounts} currentId={viewer.accountId} />
            ) : null}
            {viewer ? (
              <Form method="post" action="/signout" className="signout">
                {viewer.accounts.length > 1 ? null : (
                  <span className="muted who" title={viewer.email}>
                    {viewer.accountName ?? viewer.email}
                  </span>
                )}
                <button type="submit" className="button button-quiet">
                  Sign out
                </button>
              </Form>
            ) : null}
          </div>
        </header>
        <main id="main" className="main">
          <FormatProvider settings={format}>
            {viewer?.simulatedDate ? <SimulatedDateBanner date={viewer.simulatedDate} /> : null}
            {children}
          </FormatProvider>
        </main>
        <ScrollRestoration nonce={nonce} />
        <Scripts nonce={nonce} />
      </body>
    </html>
  );
}

/** The account lives on a test clock: what its pages show is as of the clock's date, not today's. */
function SimulatedDateBanner({ date }: { date: string }) {
  const { formatDateTime } = useFormat();
  return (
    <div className="banner banner-warning" role="status">
      Test clock: this account’s date is <strong>{formatDateTime(date)}</strong>. Its billing happens as of
      that date, and moves only when the clock is advanced.
    </div>
  );
}

/** For a login in several accounts: which one the billing pages are about. Works before JavaScript loads. */
function AccountSwitcher({
  accounts,
  currentId,
}: {
  accounts: Array<{ id: string; name: string }>;
  currentId: string | null;
}) {
  const location = useLocation();
  return (
    <Form method="post" action="/account" className="account-switcher">
      <input type="hidden" name="redirectTo" value={location.pathname} />
      <label htmlFor="account-switcher" className="visually-hidden">
        Account
      </label>
      <select id="account-switcher" name="accountId" defaultValue={currentId ?? undefined} key={currentId}>
        {accounts.map((account) => (
          <option key={account.id} value={account.id}>
            {account.name}
          </option>
        ))}
      </select>
      <button type="submit" className="button button-quiet button-small">
        Switch
      </button>
    </Form>
  );
}

function SignedInNav({ isPlatformAdmin, hasAccount }: { isPlatformAdmin: boolean; hasAccount: boolean }) {
  return (
    <ul>
      {hasAccount ? (
        <>
          <li>
            <NavLink to="/billing" end>
              Billing
            </NavLink>
          </li>
          <li>
            <NavLink to="/billing/usage">Usage</NavLink>
          </li>
          <li>
            <NavLink to="/billing/credits">Credits</NavLink>
          </li>
          <li>
            <NavLink to="/billing/invoices">Invoices</NavLink>
          </li>
          <li>
            <NavLink to="/pricing">Plans</NavLink>
          </li>
          <li>
            <NavLink to="/settings/members">Settings</NavLink>
          </li>
        </>
      ) : null}
      {isPlatformAdmin ? (
        <li>
          <NavLink to="/admin">Admin</NavLink>
        </li>
      ) : null}
    </ul>
  );
}

function SignedOutNav() {
  return (
    <ul>
      <li>
        <NavLink to="/pricing">Pricing</NavLink>
      </li>
      <li>
        <NavLink to="/signin">Sign in</NavLink>
      </li>
      <li>
        <Link to="/signup" className="button button-primary button-small">
          Start free
        </Link>
      </li>
    </ul>
  );
}

export default function App() {
  return <Outlet />;
}

/**
 * The one error page for every route, inside the page's own header: what went wrong in plain words, and
 * a way on. A message a route gives (the Response's text) is shown as it is; Remix's own wording for an
 * address no route serves is not meant for people and is replaced.
 */
export function ErrorBoundary() {
  const error = useRouteError();
  const data = useRouteLoaderData<typeof loader>('root');
  const signedIn = Boolean(data?.viewer);
  let title = 'Something went wrong';
  let message = 'An unexpected error happened on our side. Please try again in a moment.';
  if (isRouteErrorResponse(error)) {
    const given = typeof error.data === 'string' && !/^Error: /.test(error.data) ? error.data : '';
    if (error.status === 404) {
      title = 'Page not found';
      message = given || 'There is nothing at this address.';
    } else if (error.status === 403) {
      title = 'Not allowed';
      message = given || 'Your login does not give access to this page.';
    } else if (error.status < 500) {
      title = 'That did not work';
      message = given || message;
    }
  }
  return (
    <div className="narrow error-page">
      <h1>{title}</h1>
      <p>{message}</p>
      <p>
        <Link to={signedIn ? '/billing' : '/'} className="button">
          {signedIn ? 'Go to your billing' : 'Go to the start page'}
        </Link>
      </p>
    </div>
  );
}
