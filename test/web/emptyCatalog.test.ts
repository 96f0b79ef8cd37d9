import { createUser, ensureDefaultPlan, sessionCookieFor, unique } from '../factories';
import { html, textOf } from './support/html';
import { useWebApp } from './support/webApp';

/**
 * A fresh install's admin console says why nobody can sign up yet, and the sign-up form says that
 * accounts cannot be created, until the catalog has a default plan.
 */
const web = useWebApp({ source: 'vite', catalog: 'empty' });

let admin: string;
beforeAll(async () => {
  admin = await sessionCookieFor(await createUser({ isPlatformAdmin: true }));
});

const signUpFields = () => ({
  name: 'Ada',
  accountName: 'Engines',
  email: `${unique('early')}@example.com`,
  password: 'a long enough password',
});

describe('an empty catalog', () => {
  it('is explained on the admin console home page', async () => {
    const page = await html(await web.get('/admin', { cookie: admin }));
    expect(textOf(page, 'catalog-notice')).toBe(
      'The catalog is empty, so nobody can sign up and partners cannot create accounts yet.',
    );
    expect(page).toContain('<code>isDefault: true</code> and publish it through the catalog API');
  });

  it('refuses sign-ups on the form, with the reason, and creates nothing', async () => {
    const page = await html(await web.post('/signup', signUpFields()));
    expect(page).toContain('New accounts cannot be created yet: the catalog has no default plan.');
    expect(await web.knex('signUpRequests')).toEqual([]);
  });
});

describe('once a default plan exists', () => {
  it('the notice is gone and the sign-up form sends its email', async () => {
    await ensureDefaultPlan();
    const page = await html(await web.get('/admin', { cookie: admin }));
    expect(textOf(page, 'catalog-notice')).toBeNull();
    expect(page).toContain('Admin console');
    const fields = signUpFields();
    expect(await html(await web.post('/signup', fields))).toContain(`We sent a message to ${fields.email}`);
  });
});
