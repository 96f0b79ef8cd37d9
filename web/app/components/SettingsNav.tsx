import { NavLink } from '@remix-run/react';

export function SettingsNav() {
  return (
    <nav className="admin-nav" aria-label="Settings">
      <NavLink to="/settings/members">Members</NavLink>
      <NavLink to="/settings/api-keys">API keys</NavLink>
      <NavLink to="/settings/webhooks">Webhooks</NavLink>
      <NavLink to="/settings/preferences">Preferences</NavLink>
    </nav>
  );
}
