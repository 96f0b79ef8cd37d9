import { createAccount, createMember, createUser, sessionCookieFor, unique } from '../factories';
import { html } from './support/html';
import { useWebApp } from './support/webApp';

/** The admin console's feature flags over HTTP: creating, changing and deleting flags, and overrides. */
const web = useWebApp({ source: 'vite' });

let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

const text = (page: string) => page.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('the flags list', () => {
  it('creates a flag, shows its rollout and overrides, and explains bad input next to the field', async () => {
    const badKey = await html(
      await web.post(
        '/admin/flags',
        { intent: 'create', key: 'New-Dashboard', description: 'x', rolloutPercent: '100' },
        { cookie: admin },
      ),
    );
    expect(badKey).toMatch(/id="field-key"[^>]*aria-invalid="true"/);
    expect(badKey).toContain('must be lowercase snake_case');
    const badRollout = await html(
      await web.post(
        '/admin/flags',
        { intent: 'create', key: 'new_dashboard', description: 'x', rolloutPercent: '150' },
        { cookie: admin },
      ),
    );
    expect(badRollout).toContain('Enter a whole percentage from 0 to 100.');
    expect(await web.knex('featureFlags').where({ key: 'new_dashboard' })).toEqual([]);

    const created = await web.post(
      '/admin/flags',
      {
        intent: 'create',
        key: 'new_dashboard',
        description: 'The new dashboard',
        rolloutPercent: '30',
        enabled: 'on',
      },
      { cookie: admin },
    );
    expect(created.headers.get('location')).toBe('/admin/flags?created=new_dashboard');
    const list = text(await html(await web.get('/admin/flags?created=new_dashboard', { cookie: admin })));
    expect(list).toContain('new_dashboard is created.');
    expect(list).toMatch(/new_dashboard On The new dashboard On for 30% of accounts · 0 overrides/);
    expect(list).toMatch(/self_serve_billing .*· built in/);
  });

  it('deletes a flag only after a second, confirming step', async () => {
    await web.knex('featureFlags').insert({ key: 'old_banner', enabled: true, description: 'Old banner' });
    const asked = await html(
      await web.post('/admin/flags', { intent: 'delete', key: 'old_banner' }, { cookie: admin }),
    );
    expect(asked).toContain('Delete old_banner?');
    expect(asked).toContain('Yes, delete it');
    expect(await web.knex('featureFlags').where({ key: 'old_banner' })).toHaveLength(1);

    const deleted = await web.post(
      '/admin/flags',
      { intent: 'delete', key: 'old_banner', confirmed: 'yes' },
      { cookie: admin },
    );
    expect(deleted.headers.get('location')).toBe('/admin/flags?deleted=old_banner');
    expect(await web.knex('featureFlags').where({ key: 'old_banner' })).toEqual([]);

    const builtIn = await html(
      await web.post(
        '/admin/flags',
        { intent: 'delete', key: 'self_serve_billing', confirmed: 'yes' },
        { cookie: admin },
      ),
    );
    expect(builtIn).toContain('self_serve_billing is built in: turn it off instead of deleting it.');
  });

  it('is refused to customers', async () => {
    const { cookie } = await createMember({ role: 'owner' });
    expect((await web.get('/admin/flags', { cookie })).status).toBe(403);
    expect((await web.get('/admin/flags/self_serve_billing', { cookie })).status).toBe(403);
    const refused = await web.post(
      '/admin/flags',
      { intent: 'create', key: 'sneaky', description: 'x', rolloutPercent: '100' },
      { cookie },
    );
    expect(refused.status).toBe(403);
    expect(await web.knex('featureFlags').where({ key: 'sneaky' })).toEqual([]);
  });
});

describe('a flag’s page', () => {
  it('changes the rollout and description, and refuses a rollout that is not a percentage', async () => {
    await web.knex('featureFlags').insert({ key: 'fast_search', enabled: false, description: 'Fast search' });
    const refused = await html(
      await web.post(
        '/admin/flags/fast_search',
        { intent: 'update', description: 'Fast search', rolloutPercent: '12.5', enabled: 'on' },
        { cookie: admin },
      ),
    );
    expect(refused).toContain('Enter a whole percentage from 0 to 100.');
    expect(await web.knex('featureFlags').where({ key: 'fast_search' }).first()).toMatchObject({
      enabled: false,
    });

    const saved = await web.post(
      '/admin/flags/fast_search',
      { intent: 'update', description: 'Faster search', rolloutPercent: '40', enabled: 'on' },
      { cookie: admin },
    );
    expect(saved.headers.get('location')).toBe('/admin/flags/fast_search?done=saved');
    expect(await web.knex('featureFlags').where({ key: 'fast_search' }).first()).toMatchObject({
      enabled: true,
      rolloutPercent: 40,
      description: 'Faster search',
    });
    expect(text(await html(await web.get('/admin/flags/fast_search', { cookie: admin })))).toContain(
      'On for 40% of accounts',
    );
  });

  it('finds an account by name, gives it an override, and removes it', async () => {
    const name = `Acme ${unique('co')}`;
    const account = await createAccount({ name });
    const found = await html(
      await web.get(`/admin/flags/self_serve_billing?search=${encodeURIComponent(name)}`, { cookie: admin }),
    );
    expect(found).toContain(name);
    expect(found).toContain(`value="${account.id}"`);

    const set = await web.post(
      '/admin/flags/self_serve_billing',
      { intent: 'override', accountId: account.id, enabled: 'false' },
      { cookie: admin },
    );
    expect(set.headers.get('location')).toBe('/admin/flags/self_serve_billing?done=override');
    const page = text(
      await html(await web.get('/admin/flags/self_serve_billing?done=override', { cookie: admin })),
    );
    expect(page).toContain('The account’s override is saved.');
    expect(page).toMatch(new RegExp(`Overrides \\(1\\) ${name} Off`));
    expect(text(await html(await web.get('/admin/flags', { cookie: admin })))).toMatch(
      /self_serve_billing .*On for everyone · 1 override/,
    );

    const cleared = await web.post(
      '/admin/flags/self_serve_billing',
      { intent: 'clear', accountId: account.id },
      { cookie: admin },
    );
    expect(cleared.headers.get('location')).toBe('/admin/flags/self_serve_billing?done=cleared');
    expect(await web.knex('featureFlagOverrides').where({ accountId: account.id })).toEqual([]);
  });

  it('refuses an override without an account, or for one that does not exist', async () => {
    const empty = await html(
      await web.post(
        '/admin/flags/self_serve_billing',
        { intent: 'override', accountId: '', enabled: 'true' },
        { cookie: admin },
      ),
    );
    expect(empty).toContain('Enter an account id, or find the account by name.');
    const unknown = await html(
      await web.post(
        '/admin/flags/self_serve_billing',
        { intent: 'override', accountId: '00000000-0000-0000-0000-000000000000', enabled: 'true' },
        { cookie: admin },
      ),
    );
    expect(unknown).toContain('Account not found.');
    expect(await web.knex('featureFlagOverrides')).toEqual([]);
  });
});
