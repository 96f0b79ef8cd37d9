import type { LoaderFunctionArgs } from '@remix-run/node';
import { NavLink, Outlet } from '@remix-run/react';
import { requireAdmin } from '~/lib/api.server';

/** The admin console's frame. The API refuses its queries to anyone but platform admins as well. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  await requireAdmin(context, request);
  return null;
}

export default function AdminLayout() {
  return (
    <>
      <nav className="admin-nav" aria-label="Admin console">
        <NavLink to="/admin" end>
          Overview
        </NavLink>
        <NavLink to="/admin/accounts">Accounts</NavLink>
        <NavLink to="/admin/catalog">Catalog</NavLink>
        <NavLink to="/admin/payments">Payments</NavLink>
        <NavLink to="/admin/invoices">Invoices</NavLink>
        <NavLink to="/admin/revenue">Revenue</NavLink>
        <NavLink to="/admin/reports">Reports</NavLink>
        <NavLink to="/admin/events">Stripe events</NavLink>
        <NavLink to="/admin/notifications">Notifications</NavLink>
        <NavLink to="/admin/webhooks">Partner webhooks</NavLink>
        <NavLink to="/admin/flags">Feature flags</NavLink>
        <NavLink to="/admin/health">Health</NavLink>
      </nav>
      <Outlet />
    </>
  );
}
